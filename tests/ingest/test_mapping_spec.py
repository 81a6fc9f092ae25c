"""The mapping file format: YAML reading, the schema, the rules, and the mapping engine.

Small hand-made sources; the shipped mappings have their own test files.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obeya.errors import ConfigError, LoadRefused, SpecError
from obeya.ingest.mapping import load_mapping, map_tables, sources_from_mapping
from obeya.ingest.mapping_spec import MacroSpec, MappingFile, SourceSpec, TableMap, read_mapping
from obeya.mappings import resolve_mapping, shipped_mapping, shipped_mappings
from obeya.model import TABLES
from obeya.warehouse import LOAD_LOG, Warehouse

PLANTS = """\
Plant Code,Plant Name,Kind,Land
0010,North Works,P,NO
0020,South Hub,D,SE
0030,West Store,,DK
"""

SITES = """\
source: {kind: files, path: extract}
tables:
  sites:
    from: plants
    columns:
      site_id: Plant Code      # a column name with a space: a name, not SQL
      name: plant name         # names match whatever their case
      type: Kind
      country: Land
    values:
      type: {P: plant, D: dc, "": store}
"""


def write(tmp_path: Path, mapping: str, files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "extract"
    folder.mkdir(exist_ok=True)
    for name, text in (files if files is not None else {"plants.csv": PLANTS}).items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(mapping), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if text in ln)


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(str(tmp_path / "w.duckdb")) as w:
        yield w


# ---------------------------------------------------------------- mapping


def test_columns_by_name_value_maps_and_blank_codes(tmp_path: Path) -> None:
    (sites,) = map_tables(write(tmp_path, SITES))
    assert sites.label == "m.yaml:sites<-plants"
    assert sites.data.to_pylist() == [
        {"site_id": "0010", "name": "North Works", "type": "plant", "country": "NO"},
        {"site_id": "0020", "name": "South Hub", "type": "dc", "country": "SE"},
        # the blank Kind maps through the "" entry
        {"site_id": "0030", "name": "West Store", "type": "store", "country": "DK"},
    ]
    assert sites.source_rows is not None
    assert sites.source_rows.to_pylist() == [2, 3, 4]


def test_where_expressions_and_typed_constants(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        """\
        source: {kind: files, path: extract}
        tables:
          customers:
            from: plants
            where: Kind <> ''
            columns:
              customer_id: "'C-' || ltrim(\\"Plant Code\\", '0')"
              name: upper("Plant Name")
            constants:
              channel: direct
              payment_terms_days: 30
              segment: null
              country: NO
        """,
    )
    (customers,) = map_tables(mapping)
    assert customers.data.to_pylist() == [
        {"customer_id": "C-10", "name": "NORTH WORKS", "segment": None, "channel": "direct",
         "country": "NO", "payment_terms_days": 30},
        {"customer_id": "C-20", "name": "SOUTH HUB", "segment": None, "channel": "direct",
         "country": "NO", "payment_terms_days": 30},
    ]  # fmt: skip


def test_macros_and_sql_targets(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        """\
        source: {kind: files, path: extract}
        macros:
          code: {params: [x], sql: "'P' || x"}
        tables:
          sites:
            sql: |
              SELECT "Plant Code" AS id, "Plant Name" AS n, Land  -- a trailing comment
              FROM plants WHERE Kind = 'P'
            columns: {site_id: code(id), name: n, country: land}
            constants: {type: plant}
        """,
    )
    (sites,) = map_tables(mapping)
    assert sites.label == "m.yaml:sites<-sql(plants)"
    assert sites.data.to_pylist() == [
        {"site_id": "P0010", "name": "North Works", "type": "plant", "country": "NO"}
    ]


def test_yaml_scalars_follow_yaml_1_2_and_keys_stay_text(tmp_path: Path) -> None:
    doc = read_mapping(
        write(
            tmp_path,
            """\
            source: {kind: files, path: extract}
            tables:
              sites:
                from: plants
                columns: {site_id: Plant Code, name: Plant Name, type: Kind}
                constants: {country: NO, region: 0010, lat: 2.5, lon: -3}
                values:
                  type: {01: plant, yes: dc, 2024-01-01: store, true: office}
            """,
        )
    )
    sites = doc.spec.tables["sites"]
    assert sites.constants == {"country": "NO", "region": "0010", "lat": 2.5, "lon": -3}
    assert list(sites.values["type"]) == ["01", "yes", "2024-01-01", "true"]


def test_unmapped_code_names_code_row_and_count(tmp_path: Path) -> None:
    mapping = write(tmp_path, SITES.replace("D: dc, ", ""))
    with pytest.raises(LoadRefused) as caught:
        map_tables(mapping)
    (problem,) = caught.value.problems
    assert str(problem) == (
        f"m.yaml:sites<-plants:3:type: 'D': code not in the value map at "
        f"m.yaml:{line_of(mapping, 'type: {P')}: tables.sites.values.type; add it there (the map "
        "lists: '', 'P') [1 row has it: plants.csv row 3; site_id='0020']"
    )


def test_blank_code_without_an_entry_stays_empty(tmp_path: Path, wh: Warehouse) -> None:
    mapping = write(tmp_path, SITES.replace(', "": store', ""))
    (sites,) = map_tables(mapping)
    assert sites.data.column("type").to_pylist() == ["plant", "dc", None]
    with pytest.raises(LoadRefused, match=r"sites<-plants:4:type: '': a value is required here"):
        load_mapping(wh, mapping)


def test_model_rule_broken_by_a_mapped_row_names_the_source_row(
    tmp_path: Path, wh: Warehouse
) -> None:
    mapping = write(tmp_path, SITES, {"plants.csv": PLANTS.replace("P,NO", "P,Norway")})
    with pytest.raises(LoadRefused) as caught:
        load_mapping(wh, mapping)
    assert [str(p) for p in caught.value.problems] == [
        "m.yaml:sites<-plants:2:country: 'Norway': must be an ISO 3166-1 alpha-2 code such as DE "
        "[plants.csv row 2; site_id='0010']"
    ]
    assert sum(wh.row_count(t) for t in [*TABLES, LOAD_LOG]) == 0


def test_load_writes_and_reports(tmp_path: Path, wh: Warehouse) -> None:
    report = load_mapping(wh, write(tmp_path, SITES))
    assert [(t.table, t.source, t.inserted) for t in report.tables] == [
        ("sites", "m.yaml:sites<-plants", 3)
    ]
    assert report.notes[-1] == "mapped by m.yaml: sites (3 rows)"
    assert wh.duckdb.execute("SELECT site_id FROM sites ORDER BY 1").fetchall() == [
        ("0010",),
        ("0020",),
        ("0030",),
    ]


def test_override_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = write(tmp_path, SITES.replace("path: extract", "path: nowhere"))
    monkeypatch.chdir(tmp_path)
    (sites,) = map_tables(mapping, {"source": {"path": "extract"}})
    assert sites.data.num_rows == 3


@settings(max_examples=25, deadline=None)
@given(
    table=st.dictionaries(
        st.text("ABCXYZ019", min_size=1, max_size=3), st.sampled_from(["plant", "dc", "store"]),
        min_size=1, max_size=5),
    extra=st.lists(st.text("ABCXYZ019", min_size=1, max_size=3), max_size=3),
    picks=st.lists(st.integers(0, 50), min_size=1, max_size=12),
)  # fmt: skip
def test_value_map_agrees_with_a_dictionary(
    table: dict[str, str], extra: list[str], picks: list[int]
) -> None:
    """Mapped codes equal a Python dict lookup; exactly the unlisted codes are refused."""
    pool = sorted(set(table) | set(extra))
    codes = [pool[i % len(pool)] for i in picks]
    body = "".join(f"S{i},Site {i},{c},DE\n" for i, c in enumerate(codes))
    listed = ", ".join(f'"{k}": {v}' for k, v in table.items())
    with tempfile.TemporaryDirectory() as d:
        mapping = write(
            Path(d),
            "source: {kind: files, path: extract}\ntables:\n  sites:\n    from: plants\n"
            "    columns: {site_id: id, name: name, type: kind, country: land}\n"
            f"    values:\n      type: {{{listed}}}\n",
            {"plants.csv": "id,name,kind,land\n" + body},
        )
        missing = {c for c in codes if c not in table}
        if missing:
            with pytest.raises(LoadRefused) as caught:
                map_tables(mapping)
            assert {p.value for p in caught.value.problems} == missing
        else:
            (sites,) = map_tables(mapping)
            assert sites.data.column("type").to_pylist() == [table[c] for c in codes]


# ---------------------------------------------------------------- refusals of the mapping


def refused(
    error: type[Exception],
    tmp_path: Path,
    mapping: str,
    pattern: str,
    files: dict[str, str] | None = None,
) -> None:
    path = write(tmp_path, mapping, files)
    with pytest.raises(error, match=pattern):
        map_tables(path)


def test_unknown_keys_are_refused_with_line_and_the_keys_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SITES.replace("    values:", "    colums: {}\n    values:").replace(
            "tables:", "tabels: {}\ntables:"
        ),
    )
    with pytest.raises(ConfigError) as caught:
        map_tables(path)
    message = str(caught.value)
    assert (
        f"m.yaml:{line_of(path, 'tabels')}: tabels: unknown key 'tabels'; the keys here are: "
        "description, source, macros, tables"
    ) in message
    assert (
        f"m.yaml:{line_of(path, 'colums')}: tables.sites.colums: unknown key 'colums'; "
        "the keys here are: from, sql, where, columns, constants, values"
    ) in message


@pytest.mark.parametrize(
    ("edit", "error", "pattern"),
    [
        (("tables:", "tables: [oops"), ConfigError, r"m\.yaml:\d+: not valid YAML"),
        (("      country: Land", "      country: Land\n      country: Land"), ConfigError,
         r"m\.yaml:10: tables\.sites\.columns\.country: key given twice \(first on line 9\)"),
        (("  sites:", "  site:"), SpecError,
         r"m\.yaml:3: tables\.site: 'site' is not a table of the data model"),
        (("      country: Land", "      country: Land\n      kind: Kind"), SpecError,
         r"tables\.sites\.columns\.kind: 'kind' is not a column of sites; "
         r"its columns are: site_id"),
        (("      country: Land\n", ""), SpecError,
         r"m\.yaml:5: tables\.sites\.columns: required column of sites not mapped: country"),
        (("    values:", "    constants: {name: x}\n    values:"), SpecError,
         r"tables\.sites\.constants\.name: 'name' is both in `columns` and in `constants`"),
        (("{P: plant, D: dc, \"\": store}", "{P: plant, D: 1}"), SpecError,
         r"tables\.sites\.values\.type: the mapped values mix types"),
        (("    from: plants", "    from: plants\n    sql: SELECT 1"), ConfigError,
         r"tables\.sites: give exactly one of `from` \(a source table\) or `sql`"),
        (("path: extract", "path: extract, url: x"), ConfigError,
         r"source: a files source takes `path`, not `url`"),
        (("      country: Land", "      country: Land\n      lat: 52.5"), ConfigError,
         r"m\.yaml:10: tables\.sites\.columns\.lat: a column map takes a source column or an "
         r"SQL expression as text \(got 52\.5\); put a fixed value in `constants`"),
        (("kind: files", "kind: ftp"), ConfigError,
         r"source\.kind: Input should be 'files' or 'database'"),
        (("      type: {P", "      region: {P"), SpecError,
         r"tables\.sites\.values\.region: a value map for 'region', which is not in `columns`"),
    ],
)  # fmt: skip
def test_schema_and_rule_errors(
    tmp_path: Path, edit: tuple[str, str], error: type[Exception], pattern: str
) -> None:
    assert SITES.count(edit[0]) == 1
    refused(error, tmp_path, SITES.replace(*edit), pattern)


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (("from: plants", "from: plant"),
         r"m\.yaml:4: tables\.sites\.from: no source table 'plant' in the folder .*; "
         r"did you mean plants\? \(tables there: plants\)"),
        (("name: plant name ", "name: Plant_Name "),
         r"m\.yaml:7: tables\.sites\.columns\.name: no column 'Plant_Name' in source table plants; "
         r"did you mean Plant Name or Plant Code\? "
         r"\(its columns: Plant Code, Plant Name, Kind, Land\)"),
        (("name: plant name ", "name: upper(Plant_Name) "),
         r"tables\.sites\.columns\.name: the SQL expression 'upper\(Plant_Name\)' does not run on "
         r"source table plants: Binder Error: .*Plant_Name"),
        (("    from: plants", "    from: plants\n    where: Kind ="),
         r"tables\.sites\.where: the filter does not run on source table plants: Parser Error"),
    ],
)  # fmt: skip
def test_source_errors_name_the_field(tmp_path: Path, edit: tuple[str, str], pattern: str) -> None:
    assert SITES.count(edit[0]) == 1
    refused(SpecError, tmp_path, SITES.replace(*edit), pattern)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SITES.replace("name: plant name ", "name: nme ").replace("country: Land", "country: Lnd"),
    )
    with pytest.raises(SpecError) as caught:
        map_tables(path)
    assert re.findall(r"tables\.sites\.columns\.(\w+): no column", str(caught.value)) == [
        "name",
        "country",
    ]


def test_sql_and_macro_errors(tmp_path: Path) -> None:
    refused(
        SpecError,
        tmp_path,
        """\
        source: {kind: files, path: extract}
        tables:
          sites:
            sql: SELEC * FROM plants
            columns: {site_id: a, name: b, type: c, country: d}
        """,
        r"tables\.sites\.sql: the SQL does not parse: .*SELEC",
    )
    refused(
        SpecError,
        tmp_path,
        """\
        source: {kind: files, path: extract}
        macros:
          broken: {params: [x], sql: "x +"}
        tables:
          sites:
            from: plants
            columns: {site_id: Plant Code, name: Plant Name, type: Kind, country: Land}
        """,
        r"m\.yaml:3: macros\.broken\.sql: the macro does not compile",
    )


def test_source_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refused(
        ConfigError,
        tmp_path,
        SITES.replace("path: extract", "path: gone"),
        r"m\.yaml:1: source\.path: no folder at .*gone",
    )
    database = SITES.replace(
        "{kind: files, path: extract}", "{kind: database, url_env: OBEYA_TEST_SRC}"
    )
    monkeypatch.delenv("OBEYA_TEST_SRC", raising=False)
    refused(
        ConfigError,
        tmp_path,
        database,
        r"source\.url_env: the environment variable OBEYA_TEST_SRC is not set",
    )
    monkeypatch.setenv("OBEYA_TEST_SRC", "mysql://db/erp")
    refused(ConfigError, tmp_path, database, r"mysql is not a supported database")
    with pytest.raises(ConfigError, match=r"no mapping file at .*absent\.yaml"):
        map_tables(tmp_path / "absent.yaml")


def test_no_password_in_a_mapping_file(tmp_path: Path) -> None:
    with_password = SITES.replace(
        "{kind: files, path: extract}",
        "{kind: database, url: 'postgresql://u:secret@127.0.0.1:1/x'}",
    )
    refused(
        SpecError,
        tmp_path,
        with_password,
        r"source\.url: the URL holds a password; .*name it with `url_env`",
    )
    # the same URL given by the caller (a command line) is fine: it is then tried,
    # and the message does not show the password
    path = write(
        tmp_path, SITES.replace("{kind: files, path: extract}", "{kind: database, url_env: UNUSED}")
    )
    with pytest.raises(
        ConfigError,
        match=r"cannot connect to the source database "
        r"postgresql://u@127\.0\.0\.1:1/x: ",
    ) as caught:
        sources_from_mapping(path, {"source": {"url": "postgresql://u:secret@127.0.0.1:1/x"}})
    assert "secret" not in str(caught.value)


# ---------------------------------------------------------------- shipped mappings and docs


def test_shipped_mappings_are_listed_and_resolved(tmp_path: Path) -> None:
    assert set(shipped_mappings()) == {"sap_sd_mm", "odoo"}
    assert resolve_mapping("odoo") == shipped_mapping("odoo") == shipped_mappings()["odoo"]
    own = write(tmp_path, SITES)
    assert resolve_mapping(str(own)) == own
    with pytest.raises(ConfigError, match=r"no shipped mapping named 'sap'; .*sap_sd_mm"):
        shipped_mapping("sap")
    with pytest.raises(ConfigError, match=r"no mapping file at nothing\.yaml; .*odoo, sap_sd_mm"):
        resolve_mapping("nothing.yaml")


@pytest.mark.parametrize("name", ["sap_sd_mm", "odoo"])
def test_shipped_mappings_pass_the_file_checks(name: str) -> None:
    doc = read_mapping(shipped_mapping(name))
    assert set(doc.spec.tables) <= set(TABLES)


def test_docs_describe_every_key_and_both_shipped_mappings() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "mappings.md").read_text(encoding="utf-8")
    for model in (MappingFile, SourceSpec, MacroSpec, TableMap):
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in docs, f"{model.__name__}.{name} is not documented"
    for name in shipped_mappings():
        doc = read_mapping(shipped_mapping(name))
        for target, tm in doc.spec.tables.items():
            assert f"### {name}: `{target}`" in docs
            for column in [*tm.columns, *tm.constants]:
                assert (
                    f"| `{column}` |" in docs.split(f"### {name}: `{target}`")[1].split("###")[0]
                ), f"{name}.{target}.{column} is not documented"
