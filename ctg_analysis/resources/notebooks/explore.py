# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explorer les données d'un diagnostic CTG
#
# Ce carnet parcourt la bibliothèque `ctg_analysis` sur les données du projet (le dossier indiqué par
# `ctg.toml`, `data/raw` par défaut ; les données fictives de démonstration avec `ctg init --demo`) :
# lire un dossier de fichiers officiels, préparer les indicateurs, les calculer pour des territoires,
# les comparer, les tracer.

# %% tags=["parameters"]
data_dir: str = ""  # dossier des fichiers officiels, chemin absolu (vide : celui du projet, ctg.toml)
territories_file: str = ""  # fichier des territoires, chemin absolu (vide : celui des données, sinon celui du projet)
territory_id: str = ""  # territoire examiné (vide : le premier du fichier des territoires)

# %%
import ctg_analysis as ctg

# The data folder and its territories file (those of the project when left empty).
diagnostic = ctg.Diagnostic.open(data_dir or None, territories_file or None)
folder = diagnostic.folder
folder.summary()

# %% [markdown]
# ## Explorer d'un coup d'œil
#
# Choisissez un territoire, un indicateur et un niveau de comparaison : les chiffres clés, le tableau du thème,
# le graphique, la carte et le classement parmi les EPCI du département se redessinent. Survolez une commune
# de la carte pour sa valeur, sa fragilité et sa source ; cliquez-la pour tous ses chiffres. « Carte » montre
# les communes du territoire, ou tout son département, par commune ou par EPCI.

# %%
from ctg_analysis.reports.explorer import Explorer

Explorer(diagnostic, territory_id or None)

# %% [markdown]
# Chaque fichier est reconnu par son contenu et lu en **table canonique** : codes géographiques en
# chaînes de 5 caractères, variables sans millésime (`P_POP0002`) et une ligne par commune et période.

# %%
first = folder.ordered()[0]  # whichever files the folder holds: a census base, births, Filosofi…
print(f"{first.label} — {first.path} ({first.level}, millésime {first.vintage})")
first.data.head()

# %% [markdown]
# Les données sont préparées une fois (`diagnostic.prepared`, la fonction `prepare`) : toutes les tables
# ramenées à une même géographie (COG), numérateurs et dénominateurs calculés pour chaque commune ;
# `diagnostic.table()` (la fonction `compute_indicators`) agrège ensuite tous les territoires à tous
# les niveaux (somme des numérateurs / somme des dénominateurs).

# %%
prepared = diagnostic.prepared
territories = diagnostic.territories
territory_id = territory_id or next(iter(territories)).id
table = diagnostic.table()
table.query("territory == @territory_id and level == 'territoire'").head(10)

# %% [markdown]
# ## Une vue par thème, en français
#
# Les valeurs fragiles (petits effectifs, partielles, non comparables) sont grisées.

# %%
ctg.wide_view(table, territory_id, theme="petite enfance")

# %% [markdown]
# Plusieurs territoires côte à côte, puis les communes d'un territoire :

# %%
ctg.side_by_side(table, [t.id for t in territories][:3], theme="petite enfance")

# %%
ctg.communes_view(table, territory_id, theme="démographie")

# %%
ctg.catalogue()[["id", "label", "theme", "unit"]].head(12)

# %% [markdown]
# ## Comparer au département

# %%
pairs = ctg.compare(table, prepared.reference)
ctg.comparison_view(
    pairs.query("territory == @territory_id and level == 'territoire' and comparison_level == 'departement'").head(10)
)

# %%
row = table.query("territory == @territory_id and level == 'territoire' and indicator == 'evol_0_2'").iloc[0]
departement = table.query("territory == @territory_id and level == 'departement' and indicator == 'evol_0_2'").iloc[0]
ctg.position(row["value"], departement["value"], signed=True).text

# %% [markdown]
# ## Graphiques
#
# Chaque fonction rend une figure matplotlib, affichée une fois, à retoucher avant de l'exporter
# (`save_figure`).

# %%
from ctg_analysis.charts import births_chart, evolution_chart

evolution_chart(table, territory_id, "evol_0_2")

# %%
births_chart(table, territory_id)

# %% [markdown]
# ## Cartes
#
# Tracées depuis les contours des communes présents dans les données (IGN Admin Express COG, ou un
# GeoJSON aux propriétés `code` et `nom`), ramenés à la géographie des données : la situation du
# territoire, un indicateur commune par commune (classes par quantiles, `scheme="jenks"` pour les seuils
# naturels), puis tout un département, par commune ou par EPCI, pour choisir ses territoires.

# %%
from ctg_analysis.charts.maps import OUTLINES_HINT, commune_map, departement_map, locator_map

outlines = diagnostic.outlines  # false when the data hold no outlines: the maps below are then skipped
print("Contours des communes présents." if outlines else f"Pas de carte : {OUTLINES_HINT}")
locator_map(outlines, table, territory_id) if outlines else None

# %%
commune_map(outlines, table, territory_id, "part_0_2") if outlines else None

# %%
departement = territories.get(territory_id).departements[0]
departement_map(outlines, diagnostic.departement_table(departement), "part_0_2", level="epci") if outlines else None

# %% [markdown]
# ## Vers le plan d'actions
#
# Le texte du « Diagnostic initial » d'une fiche action, par thématique ou pour des indicateurs choisis
# (formulation modifiable : une copie de `ctg_analysis/commentary/phrases.yaml`, `ctg fiches --phrases`),
# puis les fiches actions : sans plan, une par thématique ; avec le plan des partenaires,
# `ctg.build_fiches(table, territory_id, ctg.load_plan("plan.yaml"))`.

# %%
ctg.diagnostic_text(table, territory_id, thematique="parentalité")

# %%
fiches = ctg.build_fiches(table, territory_id)
fiches[1].evaluation
