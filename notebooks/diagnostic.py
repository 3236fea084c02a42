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
# # Diagnostic partagé de Convention Territoriale Globale
#
# Ce carnet est produit par `ctg report` : chaque section reprend un thème de la CTG avec ses tableaux,
# ses graphiques et un commentaire généré à partir des chiffres.

# %% tags=["parameters"]
territory_id: str = "ezanville"  # identifiant du territoire dans le fichier des territoires
territories_file: str = ""  # fichier des territoires, chemin absolu (vide : celui des données, sinon data/territories.yaml)
data_dir: str = ""  # dossier des données officielles, chemin absolu (vide : data/demo)
output_dir: str = ""  # dossier où écrire graphiques, classeur et diaporama, chemin absolu (vide : aucun export)
comparison_levels: list = ["epci", "departement", "region", "france"]  # niveaux de comparaison affichés
census_vintage: int = 0  # dernier millésime retenu (0 : le plus récent des données)
themes: list = ["démographie", "petite enfance", "enfance-jeunesse", "parentalité-familles", "accès aux droits-précarité", "logement"]  # thèmes traités, dans l'ordre
exports: list = ["png", "xlsx", "pptx"]  # fichiers écrits dans output_dir (png, svg, xlsx, pptx)
skip_bad_files: bool = False  # continuer sans les fichiers officiels illisibles du dossier (cités dans les sources)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

# Figures are drawn once, at their own 16:9 size, at screen resolution (the exports are at 200 dpi).
%config InlineBackend.print_figure_kwargs = {"bbox_inches": None, "dpi": 72}

from ctg_analysis.reports import notebook

report = notebook.open_report(
    territory_id,
    data_dir=data_dir,
    territories_file=territories_file,
    comparison_levels=comparison_levels,
    census_vintage=census_vintage,
    skip_bad_files=skip_bad_files,
)
display(Markdown(report.introduction()))

# %% [markdown]
# ## Chiffres clés

# %%
display(report.key_figures())
report.show("chiffres-cles")

# %%
for theme in themes:
    display(Markdown(f"## {report.theme_title(theme)}"))
    display(Markdown(report.commentary(theme)))
    display(report.theme_table(theme))
    for chart in report.charts(theme):
        report.show(chart)

# %% [markdown]
# ## Sources et méthodes

# %%
display(Markdown(report.methods()))

# %%
written = report.export(output_dir, exports)
plt.close("all")
