import { type DiffLine, diffCounts, sideBySide } from "../diff-rows";

/** What a screen reader hears before a changed line (the sign is only drawn). */
const SAID = {
  left: { change: "changed from: ", remove: "removed: " },
  right: { change: "changed to: ", add: "added: " },
} as const;

function Sign({ sign, said }: { sign: string; said: string | undefined }) {
  return (
    <>
      <span className="diff-sign" aria-hidden="true">
        {sign}
      </span>
      {said ? <span className="visually-hidden">{said}</span> : null}
    </>
  );
}

/**
 * Two versions side by side: the old one on the left, the new one on the right, changed lines
 * next to each other. Changes are told by a word and a sign as well as by colour.
 */
export function DiffView({ from, to, lines }: { from: number; to: number; lines: DiffLine[] }) {
  const rows = sideBySide(lines);
  const { added, removed } = diffCounts(lines);
  return (
    <div className="diff-scroll">
      <table className="diff">
        <caption>
          Changes from version {from} to version {to}
          <span className="muted">
            {" "}
            · {added} {added === 1 ? "line" : "lines"} added, {removed}{" "}
            {removed === 1 ? "line" : "lines"} removed
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col" className="diff-num">
              <span className="visually-hidden">Line in version {from}</span>
            </th>
            <th scope="col">Version {from}</th>
            <th scope="col" className="diff-num">
              <span className="visually-hidden">Line in version {to}</span>
            </th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            // Rows have no identity of their own; the diff is redrawn whole.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            <tr key={index} className={`diff-${row.kind}`}>
              <td className="diff-num">{row.left?.line ?? ""}</td>
              <td className={row.left && row.kind !== "equal" ? "diff-old" : undefined}>
                {row.left ? (
                  <>
                    {row.kind === "equal" ? null : (
                      <Sign sign="−" said={SAID.left[row.kind as "change" | "remove"]} />
                    )}
                    <span className="diff-text">{row.left.text}</span>
                  </>
                ) : null}
              </td>
              <td className="diff-num">{row.right?.line ?? ""}</td>
              <td className={row.right && row.kind !== "equal" ? "diff-new" : undefined}>
                {row.right ? (
                  <>
                    {row.kind === "equal" ? null : (
                      <Sign sign="+" said={SAID.right[row.kind as "change" | "add"]} />
                    )}
                    <span className="diff-text">{row.right.text}</span>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="muted">Both versions are empty.</p> : null}
    </div>
  );
}
