"""Chinese and English throughout: every message in both catalogues, every code named, the
names consistent with docs/glossary.md, numbers and dates in the reader's locale."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from rareledger.domain import access, vocabulary
from rareledger.domain.catalogue import REJECTION_CODES
from rareledger.domain.detection import codes as alert_codes
from rareledger.domain.figures import GROUP_NAMES, STAGES
from rareledger.domain.findings import FINDING_CODES
from rareledger.domain.ledger.customs import NOTE_CODES
from rareledger.domain.licences import DECISIONS, LICENCE_TYPES
from rareledger.services.casework import STATUSES
from rareledger.web import i18n
from rareledger.web.terms import TERMS, term

ROOT = Path(__file__).resolve().parents[2]


def _messages() -> ModuleType:
    spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def messages() -> ModuleType:
    return _messages()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_message_is_translated(messages: ModuleType, language: str) -> None:
    template = messages.extract()
    assert len(template) > 300  # the extraction found the templates and the code
    missing = messages.untranslated(language, template)
    assert not missing, f"not translated into {language} (run scripts/messages.py): {missing}"


VOCABULARIES = {
    "form": vocabulary.FORMS,
    "process": vocabulary.PROCESSES,
    "event": vocabulary.EVENT_TYPES,
    "enterprise_role": vocabulary.ROLES,
    "account_role": (*access.ROLES, "anonymous"),
    "finding": FINDING_CODES,
    "alert_or_finding": tuple(alert_codes()),
    "customs_reason": (*FINDING_CODES, *NOTE_CODES),
    "case_status": STATUSES,
    "application_status": ("submitted", *DECISIONS),
    "decision": DECISIONS,
    "licence_type": LICENCE_TYPES,
    "licence_status": ("valid", "revoked", "lapsed", "exhausted", "not_yet_valid", "expired"),
    "facility_kind": vocabulary.FACILITY_KINDS,
    "quota_kind": vocabulary.QUOTA_KINDS,
    "adjustment_reason": vocabulary.ADJUSTMENT_REASONS,
    "enterprise_status": vocabulary.ENTERPRISE_STATUSES,
    "element_group": GROUP_NAMES,
    "stage": STAGES,
    "rejection": tuple(REJECTION_CODES),  # the rules a refused record broke
}


@pytest.mark.parametrize("kind", list(VOCABULARIES))
def test_every_code_has_a_name_in_both_languages(kind: str) -> None:
    for code in VOCABULARIES[kind]:
        assert code in TERMS[kind], (kind, code)
        with i18n.speaking("zh"):
            chinese = term(kind, code)
        with i18n.speaking("en"):
            english = term(kind, code)
        assert chinese != english and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), (
            kind,
            code,
        )


def test_the_chinese_catalogue_has_no_empty_translation(messages: ModuleType) -> None:
    catalogue = messages.read("zh")
    strings = {m.id: m.string if isinstance(m.string, tuple) else (m.string,) for m in catalogue}
    empty = [i for i, found in strings.items() if i and not (found and all(found))]
    empty += [m.id for m in catalogue if m.id and m.fuzzy]
    assert len(catalogue) > 300 and not empty, empty


def test_the_glossary_lists_the_names_on_screen(messages: ModuleType) -> None:
    text = (ROOT / "docs" / "glossary.md").read_text()
    assert messages.glossary_section() in text, "run: python scripts/messages.py --glossary"


LEGAL = {  # names on screen that are the glossary's legal terms
    ("event", "extraction"): "稀土开采",
    ("event", "shipment"): "销售",
    ("event", "receipt"): "收货",
    ("event", "export"): "出口",
    ("event", "import"): "进口",
    ("event", "adjustment"): "盘点调整",
    ("event", "correction"): "更正",
    ("process", "separation"): "冶炼分离",
    ("process", "metal_smelting"): "金属冶炼",
    ("process", "recycling"): "综合利用",
    ("form", "magnet"): "永磁体",
    ("case_status", "open"): "待查",
    ("case_status", "under_review"): "核查中",
    ("case_status", "confirmed"): "属实",
    ("case_status", "dismissed"): "排除",
    ("licence_type", "single"): "单项许可",
    ("licence_type", "general"): "通用许可",
    ("customs_decision", "release"): "放行",
    ("customs_decision", "hold"): "扣留",
    ("finding", "misdeclared_goods"): "申报不实",
    ("alert", "under_invoicing"): "低报价格",
    ("finding", "receipt_mismatch"): "账实差异",
    ("account_role", "enterprise"): "企业",
}


def test_chinese_names_follow_the_glossarys_legal_terms() -> None:
    legal = [
        line.split("|")[1]
        for line in (ROOT / "docs" / "glossary.md").read_text().splitlines()
        if line.startswith("| ") and "|" in line[2:]
    ]
    with i18n.speaking("zh"):
        for (kind, code), name in LEGAL.items():
            assert term(kind, code) == name, (kind, code)
            assert any(name in cell for cell in legal), name


def test_numbers_dates_and_countries_in_the_readers_locale() -> None:
    with i18n.speaking("zh"):
        assert i18n.day(date(2025, 3, 4)) == "2025年3月4日"
        assert i18n.country("DE") == "德国"
        assert i18n.element("Dy") == "镝 Dy"
        assert i18n.month("2025-03") == "2025年3月"
    with i18n.speaking("en"):
        assert i18n.day(date(2025, 3, 4)) == "Mar 4, 2025"
        assert i18n.country("DE") == "Germany"
        assert i18n.number(1234567.891, 2) == "1,234,567.89"


def test_accept_language() -> None:
    assert i18n.best_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert i18n.best_language("fr, zh-CN;q=0.5, en;q=0.4") == "zh"
    assert i18n.best_language("de") == "zh"
    assert i18n.best_language(None) == "zh"
