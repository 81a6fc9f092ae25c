"""docs/demo.md names every story where the code puts it (default company)."""

from __future__ import annotations

from pathlib import Path

from obeya.demo import DemoConfig, stories

DOC = (Path(__file__).parents[2] / "docs" / "demo.md").read_text(encoding="utf-8")


def test_the_docs_place_every_story_where_the_generator_does() -> None:
    st = stories(DemoConfig())
    places = [
        st.bad_site, st.bad_carrier, st.bad_supplier, st.crunch_site, st.crunch_resource,
        st.shift_characteristic, st.shift_site, st.incident_site, str(st.shift_date),
        str(st.year2_start), str(st.freight_increase_from), *st.incident_months[::2],
    ]  # fmt: skip
    for promo in st.promotions:
        places += [promo.sku, str(promo.start), str(promo.end)]
    places += [
        st.new_skus[0][0],
        str(st.new_skus[0][1]),
        st.new_skus[-1][0],
        str(st.new_skus[-1][1]),
    ]
    missing = [p for p in places if f"`{p}`" not in DOC and p not in DOC]
    assert missing == []


def test_the_docs_list_every_setting() -> None:
    for name in DemoConfig.__dataclass_fields__:
        assert f"| `{name}` |" in DOC, name
