"""COG conversion: merges summed, splits shared by population, non-additive values refused; on the
real INSEE movements for the Val-d'Oise merges of 2018 (Gadancourt into Avernes) and 2024 (Gouzangrez
into Commeny)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from conftest import movements as hand_movements
from ctg_analysis.errors import GeographyError
from ctg_analysis.geography import commune_passage, convert_cog, convert_table
from ctg_analysis.sources.registry import read_file

SYNTHETIC = hand_movements(
    *[
        (32, "2019-01-01", "COM", "01001", "COM", "01001"),  # commune nouvelle 01001 absorbs 01002
        (32, "2019-01-01", "COM", "01002", "COM", "01001"),
        (32, "2019-01-01", "COM", "01002", "COMD", "01002"),  # delegated commune: not a commune any more
        (31, "2021-01-01", "COM", "01001", "COM", "01003"),  # then merged again into 01003
        (21, "2022-01-01", "COM", "01004", "COM", "01004"),  # 01005 re-established out of 01004
        (21, "2022-01-01", "COM", "01004", "COM", "01005"),
        (41, "2023-01-01", "COM", "01006", "COM", "02006"),  # code change
    ]
)


def test_chained_merges_sum_into_the_last_commune():
    table = pd.DataFrame({"geo": ["01001", "01002", "01003", "01009"], "period": 2018, "POP": [10.0, 20.0, 5.5, 1.0]})
    converted = convert_cog(
        table,
        ["POP"],
        from_year=2018,
        to_year=2022,
        movements=SYNTHETIC,
        weights=pd.Series({"01004": 1.0, "01005": 1.0}),
    )
    assert converted.set_index("geo")["POP"].to_dict() == {"01003": 35.5, "01009": 1.0}


def test_events_on_the_first_of_january_of_the_source_year_are_already_applied():
    table = pd.DataFrame({"geo": ["01001"], "POP": [30.0]})
    assert convert_cog(table, ["POP"], from_year=2019, to_year=2020, movements=SYNTHETIC)["POP"].tolist() == [30.0]


def test_split_is_shared_by_population_of_the_parts():
    table = pd.DataFrame({"geo": ["01004"], "POP": [100.0]})
    weights = pd.Series({"01004": 300.0, "01005": 100.0})
    converted = convert_cog(table, ["POP"], from_year=2021, to_year=2022, movements=SYNTHETIC, weights=weights)
    assert converted.set_index("geo")["POP"].to_dict() == {"01004": 75.0, "01005": 25.0}


def test_a_split_without_populations_leaves_only_its_parts_missing(caplog):
    table = pd.DataFrame({"geo": ["01004", "01001"], "POP": [100.0, 40.0]})
    with caplog.at_level("WARNING", logger="ctg_analysis.geography.conversion"):
        converted = convert_cog(table, ["POP"], from_year=2021, to_year=2022, movements=SYNTHETIC, where="f.csv")
    values = converted.set_index("geo")["POP"]
    assert values.isna().to_dict() == {"01001": False, "01004": True, "01005": True}
    assert values["01001"] == 40.0
    assert caplog.messages == [
        "f.csv : conversion du COG 2021 vers 2022 : commune scindée (01004) ; la répartition demande la "
        "population des communes issues de la scission (paramètre weights, par exemple les populations légales en "
        "géographie 2022) : sans elle, les valeurs de leurs parties restent manquantes"
    ]


def test_code_change_keeps_non_additive_values_but_a_merge_refuses_them():
    table = pd.DataFrame({"geo": ["01006"], "MED": [21000.0]})
    converted = convert_cog(table, ["MED"], from_year=2022, to_year=2023, movements=SYNTHETIC, non_additive=["MED"])
    assert converted.set_index("geo")["MED"].to_dict() == {"02006": 21000.0}
    merged = pd.DataFrame({"geo": ["01001", "01002"], "MED": [21000.0, 23000.0]})
    with pytest.raises(GeographyError, match=r"impossible pour MED : valeurs non additives.*\(01001, 01002\)"):
        convert_cog(merged, ["MED"], from_year=2018, to_year=2019, movements=SYNTHETIC, non_additive=["MED"])


def test_a_missing_part_leaves_the_merged_commune_missing():
    table = pd.DataFrame({"geo": ["01001", "01002"], "POP": [10.0, float("nan")]})
    converted = convert_cog(table, ["POP"], from_year=2018, to_year=2019, movements=SYNTHETIC)
    assert converted["POP"].isna().all()


def test_passage_lists_only_what_changes():
    passage = commune_passage(SYNTHETIC, 2018, 2019)
    assert sorted(map(tuple, passage[["source", "target"]].to_numpy())) == [("01002", "01001")]


def test_conversion_backwards_is_refused():
    with pytest.raises(GeographyError, match="vers une année plus récente"):
        commune_passage(SYNTHETIC, 2022, 2019)


def test_the_passage_within_one_year_is_empty_and_typed():
    passage = commune_passage(SYNTHETIC, 2020, 2020)
    assert passage.empty and list(passage.columns) == ["source", "target", "share"]
    assert passage.dtypes.astype(str).tolist() == ["string", "string", "float64"]
    changed = commune_passage(SYNTHETIC, 2018, 2023)
    assert isinstance(changed.index, pd.RangeIndex) and list(changed.columns) == ["source", "target", "share"]


def test_the_movements_applied_are_those_after_the_first_of_january_up_to_the_next():
    movements = hand_movements(
        *[
            (41, "2020-01-02", "COM", "01001", "COM", "01101"),  # the day after the source geography
            (41, "2020-06-30", "COM", "01002", "COM", "01102"),
            (41, "2021-01-01", "COM", "01003", "COM", "01103"),  # the target geography's own day
            (41, "2021-01-02", "COM", "01004", "COM", "01104"),  # too late
        ]
    )
    passage = commune_passage(movements, 2020, 2021)
    assert sorted(zip(passage["source"], passage["target"], strict=True)) == [
        ("01001", "01101"),
        ("01002", "01102"),
        ("01003", "01103"),
    ]


def test_movements_older_than_the_target_year_are_said(caplog):
    with caplog.at_level("WARNING", logger="ctg_analysis.geography.conversion"):
        commune_passage(SYNTHETIC, 2023, 2023)
        commune_passage(SYNTHETIC, 2024, 2024)  # nothing to convert: nothing missing
        commune_passage(SYNTHETIC, 2022, 2023)  # the file knows 1 January 2023: complete
        assert caplog.messages == []
        commune_passage(SYNTHETIC, 2022, 2024)
    assert caplog.messages == ["mouvements des communes connus jusqu'au 2023-01-01 seulement (conversion vers 2024)"]


def test_a_split_commune_merged_again_keeps_an_unknown_share():
    movements = hand_movements(
        *[
            (21, "2020-01-01", "COM", "01004", "COM", "01004"),
            (21, "2020-01-01", "COM", "01004", "COM", "01005"),
            (32, "2021-01-01", "COM", "01004", "COM", "01004"),
            (32, "2021-01-01", "COM", "01005", "COM", "01004"),
        ]
    )
    passage = commune_passage(movements, 2019, 2021).set_index("source")
    assert passage.loc["01004", "target"] == "01004" and pd.isna(passage.loc["01004", "share"])  # unknown, not 0
    weighted = commune_passage(movements, 2019, 2021, weights=pd.Series({"01004": 3.0, "01005": 1.0})).set_index(
        "source"
    )
    assert "01004" not in weighted.index  # shared and gathered again: unchanged


def test_each_period_converted_apart_in_geo_order_with_its_flags():
    table = pd.DataFrame(
        {
            "geo": ["01009", "01002", "01001", "01009", "01002", "01001", "01004"],
            "period": [2013, 2013, 2013, 2018, 2018, 2018, 2018],
            "POP": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 40.0],
            "POP_partial": pd.array([False, True, False, False, False, pd.NA, True], dtype="boolean"),
        }
    )
    weights = pd.Series({"01004": 3.0, "01005": 1.0})
    converted = convert_cog(
        table,
        ["POP"],
        from_year=2018,
        to_year=2022,
        movements=SYNTHETIC,
        weights=weights,
        flags=["POP_partial", "absent"],
    )
    expected = pd.DataFrame(
        {
            "geo": ["01003", "01003", "01004", "01005", "01009", "01009"],
            "period": [2013, 2018, 2018, 2018, 2013, 2018],
            "POP": [5.0, 50.0, 30.0, 10.0, 1.0, 10.0],
            "POP_partial": [True, False, True, True, False, False],
            "estimated": [False, False, True, True, False, False],
        }
    )
    pd.testing.assert_frame_equal(converted, expected, check_dtype=False)
    assert converted["POP_partial"].dtype == bool and converted["estimated"].dtype == bool


def test_a_table_without_change_comes_back_as_it_was():
    table = pd.DataFrame({"geo": ["01009", "01008"], "period": 2018, "POP": [1.0, 2.0], "other": "x"}, index=[5, 7])
    converted = convert_cog(table, ["POP"], from_year=2018, to_year=2022, movements=SYNTHETIC)
    pd.testing.assert_frame_equal(converted, table[["geo", "period", "POP"]].reset_index(drop=True))


def test_the_conversion_is_logged_and_its_refusals_name_ten_communes(caplog):
    table = pd.DataFrame({"geo": ["01001", "01002", "01009"], "POP": [1.0, 2.0, 3.0]})
    with caplog.at_level("INFO", logger="ctg_analysis.geography.conversion"):
        convert_cog(table, ["POP"], from_year=2018, to_year=2019, movements=SYNTHETIC)
    assert caplog.messages == ["COG 2018 → 2019 : 2 communes concernées"]
    codes = [f"01{n:03d}" for n in range(100, 112)]
    merges = hand_movements(*[(32, "2019-01-01", "COM", code, "COM", "01100") for code in codes])
    many = pd.DataFrame({"geo": codes, "MED": 1.0, "RATE": 2.0})
    with pytest.raises(GeographyError) as refused:
        convert_cog(many, ["MED", "RATE"], from_year=2018, to_year=2019, movements=merges, non_additive=["MED", "RATE"])
    assert str(refused.value) == (
        f"conversion du COG 2018 vers 2019 impossible pour MED, RATE : valeurs non additives (médianes, taux) sur des "
        f"communes fusionnées ou scindées ({', '.join(codes[:10])})"
    )
    splits = hand_movements(*[(21, "2019-01-01", "COM", code, "COM", to) for code in codes for to in (code, "01200")])
    caplog.clear()
    with caplog.at_level("WARNING", logger="ctg_analysis.geography.conversion"):
        convert_cog(many, ["MED"], from_year=2018, to_year=2019, movements=splits)
    assert caplog.messages[0].startswith(
        f"conversion du COG 2018 vers 2019 : communes scindées ({', '.join(codes[:10])}) ; la répartition demande "
    )


def _source_table(dataset, data, *, level="commune", cog_year=2018):
    from ctg_analysis.sources.tables import SourceTable

    return SourceTable(dataset, level, 2018, cog_year, "file", "f.csv", None, "0" * 64, "Insee", False, data)


def test_convert_table_sums_counts_carries_flags_and_refuses_medians():
    census = _source_table(
        "census_population",
        pd.DataFrame({"geo": ["01001", "01002"], "period": 2018, "P_POP": [1.5, 2.5], "P_POP_partial": [False, True]}),
    )
    converted = convert_table(census, 2019, SYNTHETIC)
    assert (converted.cog_year, converted.cog_year_from, converted.dataset, converted.vintage) == (
        2019,
        "conversion",
        "census_population",
        2018,
    )
    assert converted.data.to_dict("records") == [{"geo": "01001", "period": 2018, "P_POP": 4.0, "P_POP_partial": True}]
    counts = pd.DataFrame({"geo": ["01001", "01002"], "NBMEN": [10.0, 20.0], "MED": [20000.0, 21000.0]})
    with pytest.raises(GeographyError, match=r"impossible pour MED :"):
        convert_table(_source_table("filosofi", counts), 2019, SYNTHETIC)
    households = convert_table(_source_table("filosofi", counts[["geo", "NBMEN"]]), 2019, SYNTHETIC)
    assert households.data.to_dict("records") == [{"geo": "01001", "NBMEN": 30.0}]
    births = convert_table(_source_table("births", counts.rename(columns={"MED": "NAIS"})), 2019, SYNTHETIC)
    assert births.data.to_dict("records") == [{"geo": "01001", "NBMEN": 30.0, "NAIS": 41000.0}]


def test_convert_table_shares_splits_with_the_weights_keeps_estimates_and_uses_the_passage_given():
    split = _source_table("births", pd.DataFrame({"geo": ["01004"], "NAIS": [100.0]}), cog_year=2021)
    weights = pd.Series({"01004": 300.0, "01005": 100.0})
    shared = convert_table(split, 2022, SYNTHETIC, weights=weights)
    assert shared.data.to_dict("records") == [
        {"geo": "01004", "NAIS": 75.0, "estimated": True},
        {"geo": "01005", "NAIS": 25.0, "estimated": True},
    ]
    # Shared once, merged later: the estimate stays marked.
    later = hand_movements(
        *[(32, "2023-01-01", "COM", "01005", "COM", "01004"), (32, "2023-01-01", "COM", "01009", "COM", "01004")]
    )
    estimated = replace(
        shared, data=pd.concat([shared.data, pd.DataFrame({"geo": ["01009"], "NAIS": [1.0], "estimated": [False]})])
    )
    merged = convert_table(estimated, 2023, later)
    assert merged.data.to_dict("records") == [{"geo": "01004", "NAIS": 101.0, "estimated": True}]
    # A passage given by the caller is the one used (prepare computes it once for every table).
    own = pd.DataFrame(
        {"source": pd.array(["01004"], dtype="string"), "target": pd.array(["01099"], dtype="string"), "share": [1.0]}
    )
    assert convert_table(split, 2022, SYNTHETIC, passage=own).data["geo"].tolist() == ["01099"]


def test_convert_table_needs_a_commune_table_of_a_known_cog():
    data = pd.DataFrame({"geo": ["01001"], "P_POP": [1.0]})
    with pytest.raises(
        GeographyError,
        match=r"^f\.csv : seule une table communale se convertit d'un COG à l'autre \(niveau departement\)$",
    ):
        convert_table(_source_table("census_population", data, level="departement"), 2019, SYNTHETIC)
    with pytest.raises(GeographyError, match=r"^f\.csv : année du COG inconnue, conversion impossible$"):
        convert_table(_source_table("census_population", data, cog_year=None), 2019, SYNTHETIC)


@pytest.fixture(scope="module")
def real_movements(real):
    (table,) = read_file(real / "cogiter-mvt-passage" / "mvtcommunes.csv")
    return table.data


@pytest.mark.real
def test_val_doise_2024_merge_on_the_legal_populations(real, real_movements):
    rp2019 = next(
        t
        for t in read_file(real / "populations-legales" / "ensemble_RP2019_en_vigueur_2022.xlsx")
        if t.level == "commune"
    )
    rp2022 = next(
        t
        for t in read_file(real / "populations-legales" / "ensemble_RP2022_en_vigueur_2025.xlsx")
        if t.level == "commune"
    )
    assert rp2019.cog_year == 2021
    converted = convert_table(rp2019, 2024, real_movements, weights=rp2022.data.set_index("geo")["PMUN"])
    before, after = rp2019.data.set_index("geo"), converted.data.set_index("geo")
    in95 = after.index.str.startswith("95")
    assert after.loc[in95, "PMUN"].sum() == 1_249_674  # the département total is unchanged
    assert in95.sum() == 183
    assert after.loc["95169", "PMUN"] == before.loc["95169", "PMUN"] + before.loc["95282", "PMUN"]
    assert "95282" not in after.index
    # France total unchanged; the codes are those of the COG 2024 (the RP2022 file).
    assert after["PMUN"].sum() == before["PMUN"].sum()
    assert set(after.index) <= set(rp2022.data["geo"])
    assert set(after.index[in95]) == set(rp2022.data.loc[rp2022.data["departement"].eq("95"), "geo"])


@pytest.mark.real
def test_val_doise_2018_merge(real, real_movements):
    # A commune table of the Val-d'Oise in the geography of 2017: the COG 2019 communes plus Gadancourt.
    (cog2019,) = read_file(real / "cog-2019" / "commune2019.csv")
    communes = cog2019.data.loc[cog2019.data["type"].eq("COM") & cog2019.data["departement"].eq("95"), "geo"].tolist()
    codes = sorted([*communes, "95259"])
    table = pd.DataFrame({"geo": codes, "period": 2016, "POP": [float(100 + i) for i in range(len(codes))]})
    converted = convert_cog(table, ["POP"], from_year=2017, to_year=2019, movements=real_movements).set_index("geo")
    values = table.set_index("geo")["POP"]
    assert converted.loc["95040", "POP"] == values["95040"] + values["95259"]
    assert "95259" not in converted.index
    assert converted["POP"].sum() == values.sum()
    assert sorted(converted.index) == sorted(communes)


@pytest.mark.real
def test_filosofi_medians_are_not_converted_across_merges(real, real_movements):
    (filo,) = read_file(real / "filosofi-2014-2019" / "revenu_commune" / "FILO2019_DISP_COM.csv")
    with pytest.raises(GeographyError, match=r"impossible pour Q1, Q2, Q3.*valeurs non additives"):
        convert_table(filo, 2025, real_movements)


@pytest.mark.real
@pytest.mark.parametrize(
    ("path", "start", "end", "mayotte"),
    [
        ("cog-2019/mvtcommune2019.csv", 2010, 2019, 0),
        ("cog-2023/v_mvtcommune_2023.csv", 2019, 2023, 0),
        ("cog-2023/v_mvtcommune_2023.csv", 1999, 2023, 17),
    ],
    ids=["2019-2010-2019", "2023-2019-2023", "2023-1999-2023"],
)
def test_insee_s_own_movement_files_give_the_cogiter_copy_s_passage(real, real_movements, path, start, end, mayotte):
    """INSEE's movement files as published (2019 and 2023 editions) and the COGiter copy move every code alike."""
    (insee,) = read_file(real / path)
    assert insee.dataset == "cog_movements"

    def passage(movements):
        return commune_passage(movements, start, end).sort_values(["source", "target"]).reset_index(drop=True)

    ours, cogiter = passage(insee.data), passage(real_movements)
    assert len(ours) > 20
    # Mayotte's codes 985xx became 976xx on 2011-03-31: in INSEE's 2023 file, not in the COGiter copy.
    renamed = ours["source"].str.startswith("985")
    assert (ours.loc[renamed, "target"] == "976" + ours.loc[renamed, "source"].str[3:]).all()
    assert renamed.sum() == mayotte
    pd.testing.assert_frame_equal(ours.loc[~renamed].reset_index(drop=True), cogiter)


@pytest.mark.real
def test_val_doise_2018_merge_and_pont_farcy_with_insee_s_2019_file(real):
    (insee,) = read_file(real / "cog-2019" / "mvtcommune2019.csv")
    passage = commune_passage(insee.data, 2017, 2019).set_index("source")
    assert passage.loc["95259", "target"] == "95040"  # Gadancourt into Avernes, 1 January 2018
    assert passage.loc["14513", "target"] == "50592"  # Pont-Farcy, through 50649, the same day
