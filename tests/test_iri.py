"""kg.iri.fold: its fast table must fold exactly as the mapping it is built from."""

from kg.iri import _FOLD, _FOLD_LIMIT, fold


def test_fold_table_covers_every_mapped_character() -> None:
    assert max(_FOLD) < _FOLD_LIMIT


def test_fold_agrees_with_the_mapping_on_every_code_point() -> None:
    every = "".join(map(chr, range(0x20000)))  # past the table's end too
    assert fold(every) == every.translate(_FOLD)


def test_fold_keeps_offsets() -> None:
    assert fold("Đồng Tháp “48-CT/TW” …") == "dong thap “48-ct/tw” …"
