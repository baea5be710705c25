"""The Molecules page's "Top substructures" section: one molecule drawn, then the batch aggregate and its check."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import submit

MOL_PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Molecules.py")


def _table(at, column: str):
    """The page's one dataframe with this column (AppTest finds dataframes by content, not by key)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_top_substructures_for_one_molecule_and_the_batch(app_env):
    at = AppTest.from_file(MOL_PAGE, default_timeout=120).run()
    at.selectbox(key="mol-model").set_value("tiny-mol").run()
    at.text_area(key="mol-text").input("CC(=O)Oc1ccccc1C(=O)O aspirin\nCC(=O)Nc1ccc(O)cc1 paracetamol\n"
                                       "Clc1ccc(Cl)cc1 dichlorobenzene\n")
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "Top substructures" in [e.label for e in at.expander]
    one = _table(at, "method")
    assert set(one["method"]) == {"occlusion"} and "c1ccccc1" in set(one["fragment"])  # aspirin's scaffold
    assert one["score"].abs().is_monotonic_decreasing
    captions = [c.value for c in at.caption]
    assert any(c.startswith("1 · ") for c in captions)  # the drawn top list

    at.checkbox(key="mol-sub-attr").check().run()  # atom attribution sums beside occlusion
    assert not at.error
    assert set(_table(at, "method")["method"]) == {"occlusion", "atom attribution sum"}

    at.button(key="mol-explain-explain").click().run()  # atom attributions first: the batch result must survive
    at.button(key="mol-sub-run-batch").click().run()
    assert not at.exception and not at.error
    assert "3 molecule(s) kept" in at.success[0].value
    table = _table(at, "mean effect")
    assert {"fragment", "mean effect", "occurrences", "molecules"} <= set(table.columns)
    assert "c1ccccc1" in set(table["fragment"])  # all three share the benzene scaffold
    assert table["mean effect"].is_monotonic_decreasing
    assert "Top substructure deleted: mean change" in [m.label for m in at.metric]
