/**
 * The game broker from the browser, over the generated client: whether the bridge is
 * connected, stored game results, and test messages published as the signed-in user's game
 * client. The live feed (server-sent events) is in events.ts.
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type GamePublish,
  type GameResultRead,
  MqttService,
  type MqttStatusRead,
  type PublishAccepted,
} from "@/api/client";
import { unwrap } from "@/api/http";

export type MqttStatus = MqttStatusRead;
export type GameResult = GameResultRead;
export type { GamePublish };

export const monitorKeys = {
  all: ["mqtt"] as const,
  status: () => [...monitorKeys.all, "status"] as const,
  results: (project: string, sessionId: string) =>
    [...monitorKeys.all, "results", project, sessionId] as const,
};

/** Asked again every 15 s: a broker that comes back shows up without a reload. */
export const mqttStatusQueryOptions = () =>
  queryOptions({
    queryKey: monitorKeys.status(),
    queryFn: ({ signal }) => unwrap(MqttService.readMqttStatus({ signal })),
    refetchInterval: 15_000,
  });

export function useMqttStatus() {
  return useQuery(mqttStatusQueryOptions());
}

export const gameResultsQueryOptions = (project: string, sessionId: string) =>
  queryOptions({
    queryKey: monitorKeys.results(project, sessionId),
    queryFn: ({ signal }) =>
      unwrap(
        MqttService.listGameResults({
          query: { project, session_id: sessionId, limit: 50 },
          signal,
        }),
      ),
  });

export function useGameResults(project: string, sessionId: string) {
  return useQuery(gameResultsQueryOptions(project, sessionId));
}

/** Publish a test message; what it causes arrives on the live feed, not in the answer. */
export function usePublishTest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: GamePublish): Promise<PublishAccepted> =>
      unwrap(MqttService.publishGameMessage({ body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: monitorKeys.status() }),
  });
}
