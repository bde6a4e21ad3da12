"""Write badak's bundled data sets from scikit-learn's copies (run by hand, once).

    .venv/bin/python tools/make_bundled_data.py

Writes badak/data/bundled/{iris,digits,wine,breast_cancer}.npz (np.savez_compressed, no
pickled objects) and badak/data/bundled/LICENSES.md. Needs scikit-learn; badak itself never
imports it. The values are scikit-learn's; the attribution is the UCI repository's.
"""

from pathlib import Path

import numpy as np
from sklearn import datasets

OUT = Path(__file__).resolve().parent.parent / "badak" / "data" / "bundled"

CC_BY = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
SKLEARN = "scikit-learn's bundled copy (sklearn.datasets.{loader}, BSD-3-Clause licence)"

SOURCES = {
    "iris": dict(
        loader="load_iris",
        title="Iris",
        summary="Iris plants: 150 flowers, 4 measurements in cm, 3 species (50 each).",
        citation="Fisher, R. A. (1936). Iris [Dataset]. UCI Machine Learning Repository.",
        doi="10.24432/C56C76",
        page="https://archive.ics.uci.edu/dataset/53/iris",
        note="scikit-learn's copy follows Fisher's paper (R. A. Fisher, The use of multiple "
        "measurements in taxonomic problems, Annals of Eugenics 7(2), 179-188, 1936), as R's "
        "does; the UCI file differs from it in two data points.",
    ),
    "digits": dict(
        loader="load_digits",
        title="Optical Recognition of Handwritten Digits",
        summary="Handwritten digits: 1797 images of 8x8 pixels (counts 0..16), 10 classes.",
        citation="Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits "
        "[Dataset]. UCI Machine Learning Repository.",
        doi="10.24432/C50P49",
        page="https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
        note="scikit-learn's copy is the UCI test set (optdigits.tes).",
    ),
    "wine": dict(
        loader="load_wine",
        title="Wine",
        summary="Wine recognition: 178 Italian wines, 13 chemical measurements, 3 cultivars.",
        citation="Aeberhard, S. & Forina, M. (1991). Wine [Dataset]. UCI Machine Learning "
        "Repository.",
        doi="10.24432/C5PC7J",
        page="https://archive.ics.uci.edu/dataset/109/wine",
        note="",
    ),
    "breast_cancer": dict(
        loader="load_breast_cancer",
        title="Breast Cancer Wisconsin (Diagnostic)",
        summary="Breast cancer Wisconsin (diagnostic): 569 fine-needle aspirates, 30 features "
        "of the cell nuclei, malignant or benign.",
        citation="Wolberg, W., Mangasarian, O., Street, N. & Street, W. (1995). Breast Cancer "
        "Wisconsin (Diagnostic) [Dataset]. UCI Machine Learning Repository.",
        doi="10.24432/C5DW2B",
        page="https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic",
        note="",
    ),
}


def describe(source):
    """One paragraph: what the data are, who made them, the licence, where the values came from."""
    text = (
        f"{source['summary']} Source: {source['citation']} https://doi.org/{source['doi']} "
        f"({source['page']}), licensed under {CC_BY}. Values taken from "
        f"{SKLEARN.format(loader=source['loader'])}."
    )
    return text + (f" {source['note']}" if source["note"] else "")


def write_set(name, source):
    bunch = getattr(datasets, source["loader"])()
    data = bunch.data.astype(np.float32)
    if np.array_equal(data, data.astype(np.uint8)):  # digits: counts 0..16 pack into bytes
        data = data.astype(np.uint8)
    np.savez_compressed(
        OUT / f"{name}.npz",
        data=data,
        target=bunch.target.astype(np.int64),
        target_names=np.array([str(t) for t in bunch.target_names]),
        feature_names=np.array([str(f) for f in bunch.feature_names]),
        DESCR=np.array(describe(source)),
    )


def licenses():
    lines = [
        "# Bundled data sets: sources, licences, attribution",
        "",
        "The `.npz` files beside this one hold four classic data sets from the UCI Machine "
        f"Learning Repository, which distributes each under the {CC_BY} licence "
        "(https://creativecommons.org/licenses/by/4.0/). Please cite the creators as below. "
        "The values were taken from scikit-learn's bundled copies (https://scikit-learn.org, "
        "BSD-3-Clause licence) by `tools/make_bundled_data.py` and stored as float32 (the "
        "digits' pixel counts, 0..16, as uint8); `badak.data` returns float32 features and "
        "int64 class indices.",
        "",
    ]
    for name, source in SOURCES.items():
        lines += [
            f"## {name}.npz: {source['title']}",
            "",
            source["summary"],
            "",
            f"- Citation: {source['citation']} https://doi.org/{source['doi']}",
            f"- UCI page: {source['page']}",
            f"- Licence: {CC_BY}",
            f"- Taken from: {SKLEARN.format(loader=source['loader'])}",
        ]
        lines += [f"- Note: {source['note']}"] if source["note"] else []
        lines.append("")
    return "\n".join(lines)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, source in SOURCES.items():
        write_set(name, source)
        print(f"{OUT / name}.npz: {(OUT / f'{name}.npz').stat().st_size} bytes")
    (OUT / "LICENSES.md").write_text(licenses(), encoding="utf-8")


if __name__ == "__main__":
    main()
