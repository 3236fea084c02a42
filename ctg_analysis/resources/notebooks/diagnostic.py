# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Modèle du diagnostic partagé, exécuté par « ctg report » pour chaque territoire (le code est masqué dans
# le rapport) : chaque section reprend un thème de la CTG avec ses tableaux, ses graphiques et un
# commentaire généré à partir des chiffres. Ouvert dans JupyterLab, il montre le territoire ci-dessous.
territory_id: str = ""  # identifiant du territoire dans le fichier des territoires (vide : le premier)
territories_file: str = ""  # fichier des territoires, chemin absolu (vide : celui des données, sinon celui du projet)
data_dir: str = ""  # dossier des données officielles, chemin absolu (vide : celui du projet, ctg.toml)
title: str = ""  # titre du rapport (vide : « Diagnostic partagé de Convention Territoriale Globale »)
caf: str = ""  # CAF, affichée sous le titre
author: str = ""  # auteur, affiché sous le titre
colour: str = ""  # couleur de la maison des diaporamas, #RRVVBB (vide : celle par défaut)
logo: str = ""  # logo des diaporamas (PNG ou JPEG), chemin absolu (vide : aucun)
output_dir: str = ""  # dossier où écrire graphiques, classeur et diaporama, chemin absolu (vide : aucun export)
comparison_levels: list = ["epci", "departement", "region", "france"]  # niveaux de comparaison affichés
census_vintage: int = 0  # dernier millésime retenu (0 : le plus récent des données)
themes: list = []  # thèmes traités, dans l'ordre (vide : tous : démographie, petite enfance, enfance-jeunesse…)
exports: list = ["png", "xlsx", "pptx", "html"]  # fichiers écrits dans output_dir (png, svg, xlsx, pptx, html)
skip_bad_files: bool = False  # continuer sans les fichiers officiels illisibles du dossier (cités dans les sources)

# %%
from IPython.display import HTML, Markdown, display

from ctg_analysis.charts.style import show_as_svg
from ctg_analysis.reports import notebook

# Charts shown as SVG at their own 16:9 size: sharp on screen and in print (the exports are PNG at 200 dpi).
show_as_svg()

report = notebook.open_report(
    territory_id,
    data_dir=data_dir,
    territories_file=territories_file,
    comparison_levels=comparison_levels,
    census_vintage=census_vintage,
    skip_bad_files=skip_bad_files,
    title=title,
    caf=caf,
    author=author,
    colour=colour,
    logo=logo,
    exports=exports,
)
display(HTML(report.cover()))
display(HTML(report.contents()))
report.show("situation")

# %%
display(HTML(report.heading("chiffres-cles")))
display(report.key_figures())  # once, as a table: the cards image (the same figures) is the deck's

# %%
display(HTML(report.heading("enjeux")))
display(Markdown(report.synthesis()))

# %%
for theme in themes or report.themes:
    display(HTML(report.heading(theme)))
    display(Markdown(report.commentary(theme)))
    display(report.theme_table(theme))
    for chart in report.charts(theme):
        report.show(chart)

# %%
display(HTML(report.heading("sources-et-methodes")))
display(Markdown(report.methods()))

# %%
written = report.export(output_dir, exports)
