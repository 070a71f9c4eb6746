from django.utils import translation

from pristan.core import geography, vocabularies


def test_picklists_come_from_the_standard():
    assert vocabularies.codes("cas_Status") == ["Active", "FollowUp", "Closed", "ClosedReferred"]
    assert "ForcedLabour" in vocabularies.codes("vic_TypeOfExploitation")
    assert vocabularies.codes("vic_ForcedLabourIndustry")[0] == "A_AgricultureForestryAndFishing"
    assert len(vocabularies.codes("vic_ForcedLabourIndustry")) == 21
    assert vocabularies.english_label("vic_MethodsOfControl", "ThreatensChildrenFamily") == "Threatens children/family"


def test_the_extraction_module_is_current():
    assert vocabularies.MESSAGES_MODULE.read_text(encoding="utf-8") == vocabularies.render_messages_module(), (
        "Run: python -m pristan.core.vocabularies"
    )


def test_labels_are_translated_and_unknown_codes_shown_as_stored():
    with translation.override("bg"):
        assert vocabularies.label("vic_TypeOfExploitation", "ForcedLabour") != "Forced labour"
    assert vocabularies.label("vic_TypeOfExploitation", "Unknown") == "Unknown"


def test_countries_and_languages_follow_the_language():
    names = {}
    for code in ("en", "bg", "mk", "bs", "hr", "sr", "sr-latn"):
        with translation.override(code):
            names[code] = geography.country_name("DE")
    assert names == {"en": "Germany", "bg": "Германия", "mk": "Германија", "bs": "Njemačka", "hr": "Njemačka",
                     "sr": "Немачка", "sr-latn": "Nemačka"}  # fmt: skip
    with translation.override("mk"):
        assert geography.language_name("mk") == "Македонски"
    assert geography.is_country("MK")
    assert not geography.is_country("XX")


def test_dates_and_times_are_written_day_first_in_every_language_but_english():
    from datetime import datetime

    from django.utils import formats

    moment = datetime(2026, 11, 22, 15, 4)
    for code in ("bg", "mk", "bs", "hr", "sr", "sr-latn"):
        with translation.override(code):
            written = formats.date_format(moment, "SHORT_DATETIME_FORMAT")
            assert written.startswith("22."), (code, written)
            assert "15:04" in written, (code, written)
            assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT").startswith("22."), code
