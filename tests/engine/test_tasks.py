import pytest

from harness.tasks import TASKS, get_task


def test_tasks_map_labels_onto_their_classes():
    assert get_task("punch-binary").map_label("punch_right") == "punch"
    assert get_task("punch-binary").map_label("front_kick_left") == "other"
    assert get_task("punch-kick-other").map_label("roundhouse_kick_left") == "kick"
    assert get_task("punch-kick-other").map_label("punch") == "punch"
    assert get_task("punch-kick-other").map_label("walk_left") == "other"
    assert get_task("posture").map_label("front_kick_left") == "kick_left"
    assert get_task("posture").map_label("punch") is None  # side-free labels have no posture
    assert get_task("action").map_label("front_kick_left") == "front_kick_left"
    assert get_task("action").map_label("kick_left") is None  # style unknown


@pytest.mark.parametrize("name", list(TASKS))
def test_every_mapped_label_is_one_of_the_task_classes(name):
    from harness.labels import KNOWN_LABELS

    task = TASKS[name]
    for label in KNOWN_LABELS:
        mapped = task.map_label(label)
        assert mapped is None or mapped in task.classes


def test_unknown_task_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid tasks: punch-binary"):
        get_task("punch")
