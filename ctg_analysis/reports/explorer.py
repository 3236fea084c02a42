"""The explore notebook's picker (ipywidgets): choose a territory, an indicator and a reference, and the key
figures, the indicator's theme table, its chart, the map (the territory's communes or its whole département,
by commune or by EPCI) and the ranking of the territory among its département's EPCI are drawn again.

Hovering the map says each unit's value with its flags in words, its source and vintage; clicking it shows all
its figures. The map is the interactive page's (:func:`~ctg_analysis.charts.interactive.map_figure`), from the
same data (:mod:`~ctg_analysis.exports.interactive`).
"""

from __future__ import annotations

import html
from functools import cached_property

import pandas as pd

from ctg_analysis.charts import chart_plan
from ctg_analysis.charts.interactive import NO_BASEMAP, map_figure, ranking_figure
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.errors import CtgError
from ctg_analysis.exports.interactive import overview_data, territory_data
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.display import (
    key_figures_html,
    latest_period,
    side_by_side,
    text_table_html,
    value_texts,
    wide_view,
)

__all__ = ["Explorer"]

#: What the map shows: the territory's communes, or all of its (first) département's, by commune or by EPCI.
SCOPES = (
    ("Communes du territoire", "territoire"),
    ("Département, par commune", "commune"),
    ("Département, par EPCI", "epci"),
)


class Explorer:
    """Widgets to explore a diagnostic's territories (display the object in JupyterLab).

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> explorer = Explorer(Diagnostic.open(DEMO_DIR), "ctg-ecouen")
    >>> explorer.indicator.value = "part_0_2"
    >>> [float(round(z, 1)) for z in explorer.map.data[1].z][:2]  # Bouqueval, Écouen
    [3.0, 5.6]
    >>> explorer.reference.label
    'EPCI — CA Roissy Pays de France'
    """

    def __init__(self, diagnostic: Diagnostic, territory: str | None = None) -> None:
        import ipywidgets as widgets
        import plotly.graph_objects as go

        self.diagnostic = diagnostic
        choices = [(t.label, t.id) for t in diagnostic.territories]
        if not choices:
            raise CtgError("aucun territoire à explorer : le fichier des territoires est vide")
        if territory:
            diagnostic.territories.get(territory)  # an unknown id: a French error with a suggestion
        layout = {"width": "auto"}
        style = {"description_width": "initial"}
        self.territory = widgets.Dropdown(
            options=choices, value=territory or choices[0][1], description="Territoire", layout=layout, style=style
        )
        self.indicator = widgets.Dropdown(description="Indicateur", layout=layout, style=style)
        self.reference = widgets.Dropdown(description="Comparer à", layout=layout, style=style)
        self.scope = widgets.ToggleButtons(
            options=SCOPES, value="territoire", description="Carte", style=style | {"button_width": "auto"}
        )
        self.map = go.FigureWidget()
        self.ranking = go.FigureWidget()
        self.figures, self.theme_table, self.chart, self.side = (widgets.HTML() for _ in range(4))
        self.others = widgets.SelectMultiple(
            options=choices, description="Côte à côte", rows=min(len(choices), 5), layout=layout, style=style
        )
        self.unit = widgets.HTML(layout={"width": "38%", "max_height": "480px", "overflow": "auto"})
        self._tables: dict[str, pd.DataFrame] = {}
        self._departements: dict[str, pd.DataFrame] = {}
        self._pages: dict[tuple[str, str], dict] = {}
        self._layer: dict = {"units": []}  # the map's units and data, for a click on it
        self._page: dict = {}
        self._updating = False
        self._territory_changed()
        self.territory.observe(lambda _: self._territory_changed(), names="value")
        for control in (self.indicator, self.reference, self.scope, self.others):
            control.observe(self._changed, names="value")

    def _changed(self, _change: object) -> None:
        if not self._updating:
            self.redraw()

    @cached_property
    def widget(self):
        """The picker and its views, laid out for a notebook."""
        import ipywidgets as widgets

        heading = widgets.HTML
        return widgets.VBox(
            [
                widgets.HBox([self.territory, self.indicator, self.reference], layout={"flex_flow": "row wrap"}),
                self.scope,
                widgets.HBox([widgets.Box([self.map], layout={"width": "62%"}), self.unit]),
                heading("<h3>Chiffres clés</h3>"),
                self.figures,
                heading("<h3>Le thème de l'indicateur</h3>"),
                self.theme_table,
                self.chart,
                heading("<h3>Parmi les EPCI du département</h3>"),
                self.ranking,
                heading("<h3>Territoires côte à côte</h3>"),
                self.others,
                self.side,
            ]
        )

    def _ipython_display_(self) -> None:
        from IPython.display import Javascript, display

        display(Javascript(NO_BASEMAP))  # run by JupyterLab before the map is drawn: nothing fetched
        display(self.widget)

    # -- data -------------------------------------------------------------------------------------------------

    @property
    def table(self) -> pd.DataFrame:
        """The long table of the chosen territory."""
        return self._table_of(str(self.territory.value))

    def _table_of(self, territory: str) -> pd.DataFrame:
        """A territory's long table (computed once per territory)."""
        if territory not in self._tables:
            self._tables[territory] = self.diagnostic.table([territory])
        return self._tables[territory]

    @property
    def departement(self) -> str:
        return self.diagnostic.territories.get(str(self.territory.value)).departements[0]

    def departement_table(self) -> pd.DataFrame:
        """The long table of the chosen territory's (first) département (computed once per département)."""
        if self.departement not in self._departements:
            self._departements[self.departement] = self.diagnostic.departement_table(self.departement)
        return self._departements[self.departement]

    @property
    def data(self) -> dict:
        """The interactive page's data of what the map shows: the territory, or its département."""
        return self._page_data("territoire" if self.scope.value == "territoire" else "departement")

    def _page_data(self, scope: str) -> dict:
        """The page's data of the chosen territory or of its département (built once each)."""
        key = (scope, str(self.territory.value) if scope == "territoire" else self.departement)
        if key not in self._pages:
            outlines = self.diagnostic.outlines
            self._pages[key] = (
                territory_data(self.table, key[1], outlines)
                if scope == "territoire"
                else overview_data(self.departement_table(), outlines)
            )
        return self._pages[key]

    # -- drawing ----------------------------------------------------------------------------------------------

    def _territory_changed(self) -> None:
        """A new territory: its indicators and references in the pickers (the indicator kept when it has one),
        then everything drawn again."""
        data = self._page_data("territoire")
        options = [(f"{i['theme']} — {i['label']}", i["id"]) for i in data["indicators"]]
        if not options:
            raise CtgError(f"territoire {self.territory.value!r} : aucun indicateur n'a de valeur dans les données")
        kept = self.indicator.value if self.indicator.value in {i for _, i in options} else options[0][1]
        self._updating = True  # the pickers' new options would each draw everything again
        try:
            self.indicator.options, self.indicator.value = options, kept
            self.reference.options = [(r["name"], n) for n, r in enumerate(data["references"])]
            self.reference.value = 0 if data["references"] else None
        finally:
            self._updating = False
        self.redraw()

    def redraw(self) -> None:
        """Draw the map, the key figures, the theme's table, the indicator's chart and the ranking again."""
        indicator = str(self.indicator.value)
        territory = str(self.territory.value)
        self._draw_map(indicator)
        self.figures.value = key_figures_html(self.table, territory)
        self.theme_table.value = wide_view(self.table, territory, theme=get_indicator(indicator).theme).to_html()
        self.chart.value = self._chart(indicator)
        self._draw_ranking(indicator)
        self.side.value = self._side_by_side(indicator)

    def _draw_map(self, indicator: str) -> None:
        data = self.data
        layer = "commune" if self.scope.value == "territoire" else str(self.scope.value)
        reference = int(self.reference.value or 0) if self.scope.value == "territoire" else 0
        if indicator not in {i["id"] for i in data["indicators"]} or not data["layers"][layer].get("features"):
            self.map.data = []
            self.unit.value = f"<p><em>{html.escape(data['hint'] or 'Pas de carte pour cet indicateur.')}</em></p>"
            return
        figure = map_figure(data, indicator, layer=layer, reference=reference)
        with self.map.batch_update():
            self.map.data = []
            self.map.add_traces(figure.data)
            self.map.layout = figure.layout
        for trace in self.map.data:
            trace.on_click(self._on_click)
        self._layer = data["layers"][layer]
        self._page = data

    def _on_click(self, trace, points, _state) -> None:
        """What plotly calls on a click on the map: the unit's figures shown."""
        if points.point_inds:
            index = points.point_inds[0]
            self.show_unit(str(trace.locations[index] if trace.type == "choropleth" else trace.customdata[index]))

    def show_unit(self, code: str) -> None:
        """All the figures of a unit of the map (a commune, an EPCI) beside the whole's, as a table."""
        layer, data = self._layer, self._page
        found = [n for n, unit in enumerate(layer["units"]) if unit["code"] == code]
        if not found:
            return
        n, unit = found[0], layer["units"][found[0]]
        rows = pd.MultiIndex.from_tuples([(i["label"], i["period"]) for i in data["indicators"]])
        cells = [
            [layer["values"].get(i["id"], [[None, "–", -1]] * (n + 1))[n][1], data["whole"]["values"][i["id"]][1]]
            for i in data["indicators"]
        ]
        text = pd.DataFrame(cells, index=rows, columns=[f"{unit['name']} ({code})", data["whole"]["name"]])
        self.unit.value = text_table_html(text)

    def _chart(self, indicator: str) -> str:
        """The indicator's chart of the report (as SVG), when the catalogue gives it one and the data allow."""
        spec = next((s for s in chart_plan() if s.name == indicator), None)
        territory = str(self.territory.value)
        if spec is None or spec.missing_data(self.table, territory) is not None:
            return ""
        figure = spec.draw(self.table, territory)
        return str(figure.svg())  # type: ignore[attr-defined]  # a ChartFigure

    def _side_by_side(self, indicator: str) -> str:
        """The chosen territory and the others picked, side by side on the indicator's theme."""
        ids = list(dict.fromkeys([str(self.territory.value), *map(str, self.others.value)]))
        if len(ids) < 2:
            return "<p><em>Choisissez d'autres territoires ci-dessus pour les comparer.</em></p>"
        table = pd.concat([self._table_of(territory) for territory in ids], ignore_index=True)
        return side_by_side(table, ids, theme=get_indicator(indicator).theme).to_html()

    def _draw_ranking(self, indicator: str) -> None:
        """The territory and its département among the département's EPCI on the indicator (a count is not
        ranked: a larger unit has more of everything)."""
        spec = get_indicator(indicator)
        with self.ranking.batch_update():
            self.ranking.data = []
            if not spec.compares_across_units:
                self.ranking.layout.title = f"{spec.label} : un effectif ne se classe pas d'une unité à l'autre."
                return
            rows = self.departement_table()
            rows = rows.loc[(rows["indicator"] == indicator) & rows["level"].isin(["epci", "territoire"])]
            own = self.table.loc[(self.table["indicator"] == indicator) & (self.table["level"] == "territoire")]
            rows = latest_period(pd.concat([rows, own.assign(level="territoire")]))
            rows = rows.loc[rows["value"].notna()].drop_duplicates(["level", "geo"])
            texts = value_texts(rows)
            highlighted = rows["level"].eq("territoire").to_numpy()
            title = f"{spec.label} ({rows['period'].iloc[0] if len(rows) else '–'}) ; * valeur fragile (au survol)"
            figure = ranking_figure(
                rows["geo_label"].astype(str).tolist(),
                rows["value"].tolist(),
                texts["text"].tolist(),
                texts["why"].tolist(),
                highlighted,
                title,
            )
            self.ranking.add_traces(figure.data)
            self.ranking.layout = figure.layout
