"""plan.contracts.outputs: what plan may replace, and that results land whole or not at all."""
from __future__ import annotations

import json

import pytest

from plan.contracts.errors import InputError
from plan.contracts.outputs import MANIFEST, Outputs


def write_file(target, text: str, overwrite: bool = False):
    with Outputs(overwrite) as outputs:
        outputs.file(target, "--out", (".txt",)).staging.write_text(text, encoding="utf-8")


def write_folder(target, files: dict[str, str], overwrite: bool = False, names=("a.txt", "sub")):
    with Outputs(overwrite) as outputs:
        staging = outputs.directory(target, "--out", names).staging
        for name, text in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text, encoding="utf-8")


def hidden_leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != MANIFEST)


def test_a_file_plan_wrote_is_replaced_an_edited_one_only_with_overwrite(tmp_path):
    target = tmp_path / "out" / "r.txt"
    write_file(target, "one")
    write_file(target, "two")
    assert target.read_text(encoding="utf-8") == "two"
    target.write_text("edited by the user", encoding="utf-8")
    with pytest.raises(InputError, match="edited since"):
        write_file(target, "three")
    assert target.read_text(encoding="utf-8") == "edited by the user"
    write_file(target, "three", overwrite=True)
    assert target.read_text(encoding="utf-8") == "three"
    assert hidden_leftovers(target.parent) == []


def test_a_file_plan_did_not_write_is_never_replaced(tmp_path):
    target = tmp_path / "mine.txt"
    target.write_text("the user's", encoding="utf-8")
    for overwrite in (False, True):
        with pytest.raises(InputError, match="not written by plan"):
            write_file(target, "plan's", overwrite=overwrite)
    assert target.read_text(encoding="utf-8") == "the user's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_a_failure_leaves_the_previous_result_and_no_staging(tmp_path):
    target = tmp_path / "r.txt"
    write_file(target, "good")
    with pytest.raises(RuntimeError):
        with Outputs() as outputs:
            outputs.file(target, "--out").staging.write_text("half", encoding="utf-8")
            raise RuntimeError("the work failed")
    assert target.read_text(encoding="utf-8") == "good"
    assert hidden_leftovers(tmp_path) == []


def test_a_failure_before_writing_creates_no_folder(tmp_path):
    with pytest.raises(RuntimeError):
        with Outputs() as outputs:
            outputs.file(tmp_path / "new" / "deep" / "r.txt", "--out").staging.write_text("x", encoding="utf-8")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_plan_folder_is_replaced_whole_with_nested_plan_folders_and_nothing_left_behind(tmp_path):
    target = tmp_path / "report"
    write_folder(target, {"a.txt": "1", "sub/b.txt": "2"})
    write_plan_like = {"a.txt": "1", "sub/b.txt": "2"}
    with Outputs() as outputs:  # a folder holding a plan folder of its own (scenarios --keep-plans)
        staging = outputs.directory(target, "--out", ("a.txt", "sub")).staging
        write_folder(staging / "sub" / "plan", {"a.txt": "inner"}, names=("a.txt",))
        (staging / "a.txt").write_text("3", encoding="utf-8")
    assert (target / "sub" / "plan" / "a.txt").read_text(encoding="utf-8") == "inner"
    assert not (target / "sub" / "b.txt").exists()  # plan's own stale file went with the old folder
    write_folder(target, write_plan_like)
    assert hidden_leftovers(tmp_path) == []
    recorded = json.loads((target / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert sorted(recorded) == ["a.txt", "sub/b.txt"]


def test_a_users_files_in_a_plan_folder_stay_and_block_without_overwrite(tmp_path):
    target = tmp_path / "report"
    write_folder(target, {"a.txt": "1", "sub/b.txt": "old"})
    (target / "notes.md").write_text("the user's", encoding="utf-8")
    with pytest.raises(InputError, match="notes.md"):
        write_folder(target, {"a.txt": "2"})
    write_folder(target, {"a.txt": "2"}, overwrite=True)
    assert (target / "notes.md").read_text(encoding="utf-8") == "the user's"
    assert (target / "a.txt").read_text(encoding="utf-8") == "2"
    assert not (target / "sub" / "b.txt").exists()  # plan's stale file, removed; the user's stays
    (target / "sub").mkdir(exist_ok=True)
    (target / "sub" / "theirs.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="never replaces"):  # inside a name plan writes: refused even so
        write_folder(target, {"a.txt": "3"}, overwrite=True)
    assert (target / "a.txt").read_text(encoding="utf-8") == "2"


def test_a_file_where_a_folder_goes_is_refused_not_moved(tmp_path):
    target = tmp_path / "plan"
    target.write_text("a user's file", encoding="utf-8")
    for overwrite in (False, True):
        with pytest.raises(InputError, match="is a file"):
            write_folder(target, {"a.txt": "1"}, overwrite=overwrite)
    assert target.read_text(encoding="utf-8") == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_the_same_path_twice_is_refused(tmp_path):
    with pytest.raises(InputError, match="also the path of --out"):
        with Outputs() as outputs:
            outputs.file(tmp_path / "x.txt", "--out")
            outputs.file(tmp_path / "x.txt", "--plot")
