"""Qt item models over engine snapshots; testable without a window."""

from ui.models.history import History, Segment
from ui.models.log_model import LogFilterProxy, LogModel
from ui.models.nodes_model import NodesModel
from ui.models.services_model import ServicesModel

__all__ = ["History", "Segment", "LogModel", "LogFilterProxy", "NodesModel", "ServicesModel"]
