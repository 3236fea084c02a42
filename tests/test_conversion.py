"""COG conversion: merges summed, splits shared by population, non-additive values refused; on the
real INSEE movements for the Val-d'Oise merges of 2018 (Gadancourt into Avernes) and 2024 (Gouzangrez
into Commeny)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctg_analysis.errors import GeographyError
from ctg_analysis.geography import commune_passage, convert_cog, convert_table
from ctg_analysis.sources.registry import read_file


def _movements(rows):
    frame = pd.DataFrame(rows, columns=["mod", "date_eff", "typecom_av", "com_av", "typecom_ap", "com_ap"])
    frame["date_eff"] = pd.to_datetime(frame["date_eff"])
    return frame


SYNTHETIC = _movements(
    [
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
    converted = convert_cog(table, ["POP"], from_year=2018, to_year=2022, movements=SYNTHETIC, weights=pd.Series({"01004": 1.0, "01005": 1.0}))
    assert converted.set_index("geo")["POP"].to_dict() == {"01003": 35.5, "01009": 1.0}


def test_events_on_the_first_of_january_of_the_source_year_are_already_applied():
    table = pd.DataFrame({"geo": ["01001"], "POP": [30.0]})
    assert convert_cog(table, ["POP"], from_year=2019, to_year=2020, movements=SYNTHETIC)["POP"].tolist() == [30.0]


def test_split_is_shared_by_population_of_the_parts():
    table = pd.DataFrame({"geo": ["01004"], "POP": [100.0]})
    weights = pd.Series({"01004": 300.0, "01005": 100.0})
    converted = convert_cog(table, ["POP"], from_year=2021, to_year=2022, movements=SYNTHETIC, weights=weights)
    assert converted.set_index("geo")["POP"].to_dict() == {"01004": 75.0, "01005": 25.0}
    with pytest.raises(GeographyError, match=r"commune\(s\) scindée\(s\) \(01004\).*paramètre weights"):
        convert_cog(table, ["POP"], from_year=2021, to_year=2022, movements=SYNTHETIC)


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


@pytest.fixture(scope="module")
def real_movements(real):
    (table,) = read_file(real / "cogiter-mvt-passage" / "mvtcommunes.csv")
    return table.data


@pytest.mark.real
def test_val_doise_2024_merge_on_the_legal_populations(real, real_movements):
    rp2019 = next(t for t in read_file(real / "populations-legales" / "ensemble_RP2019_en_vigueur_2022.xlsx") if t.level == "commune")
    rp2022 = next(t for t in read_file(real / "populations-legales" / "ensemble_RP2022_en_vigueur_2025.xlsx") if t.level == "commune")
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
    [("cog-2019/mvtcommune2019.csv", 2010, 2019, 0), ("cog-2023/v_mvtcommune_2023.csv", 2019, 2023, 0), ("cog-2023/v_mvtcommune_2023.csv", 1999, 2023, 17)],
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
