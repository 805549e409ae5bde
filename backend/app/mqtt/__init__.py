"""Game clients over MQTT: the payload contract, what each message means, and the bridge.

The non-web part (everything here but ``portal.py`` and ``broker_sync.py``) imports no web
framework or ORM, so ``llamacpp_mqtt_deploy.py`` runs it without the portal. Start with
:class:`GameHandler` (message meaning) and the bridge that feeds it.
"""

from app.mqtt.handler import GameHandler
from app.mqtt.messages import EventSink, GameEvent, Incoming, Job, Outgoing, Publisher
from app.mqtt.owners import KeylessOwners, NotServed, OwnerPolicy, ResultSink
from app.mqtt.projects import ProjectPrompts, PromptSource, UnknownProject
from app.mqtt.settings import MqttSettings

__all__ = [
    "EventSink",
    "GameEvent",
    "GameHandler",
    "Incoming",
    "Job",
    "KeylessOwners",
    "MqttSettings",
    "NotServed",
    "Outgoing",
    "OwnerPolicy",
    "ProjectPrompts",
    "PromptSource",
    "Publisher",
    "ResultSink",
    "UnknownProject",
]
