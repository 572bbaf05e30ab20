"""The portal speaks English, Simplified Chinese and Malay.

Catalogues live in `locale/<dir>/LC_MESSAGES/django.po`; the compiled `.mo` files are committed
because a fresh machine has no gettext. These tests read the `.po` files with a small parser
of their own (no polib) and drive the pages through the language switcher and Accept-Language.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# Django language code -> locale directory name.
CATALOGUES = {"zh-hans": "zh_Hans", "ms": "ms"}

# Words each language must show (msgid -> translation), checked against the rendered pages.
EXPECTED = {
    "zh-hans": {
        "Log in": "登录",
        "Sign up": "注册",
        "Catalogue": "目录",
        "Forgotten your password?": "忘记密码？",
        "Register your organisation": "注册您的机构",
        "Password": "密码",
        "Language": "语言",
        "Home": "首页",
    },
    "ms": {
        "Log in": "Log masuk",
        "Sign up": "Daftar",
        "Catalogue": "Katalog",
        "Forgotten your password?": "Terlupa kata laluan?",
        "Register your organisation": "Daftarkan organisasi anda",
        "Password": "Kata laluan",
        "Language": "Bahasa",
        "Home": "Laman utama",
    },
}
SWITCHER_NAMES = ["English", "简体中文", "Bahasa Melayu"]

# Sources whose every message must be translated (reference prefixes in `#:` comments).
REQUIRED_SOURCES = (
    "templates/base.html",
    "templates/home.html",
    "templates/403.html",
    "templates/404.html",
    "templates/includes/",
    "templates/accounts/",
    "accounts/",
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts: refs (list of 'file:line'), flags (set), msgid, msgstr, obsolete."""
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            field = None
            continue
        starts = line.startswith("#") or line.startswith(("msgctxt ", "msgid "))
        if entry is None or (starts and any(k.startswith("msgstr") for k in entry["fields"])):
            entry = {"refs": [], "flags": set(), "fields": {}, "obsolete": False}
            entries.append(entry)
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#:"):
            entry["refs"].extend(line[2:].split())
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            pass
        elif line.startswith('"'):
            entry["fields"][field] += _unquote(line)
        else:
            field, rest = line.split(" ", 1)
            entry["fields"][field] = _unquote(rest)
    for e in entries:
        e["msgid"] = e["fields"].get("msgid")
        e["msgstr"] = e["fields"].get("msgstr", e["fields"].get("msgstr[0]", ""))
        e["plural"] = "msgid_plural" in e["fields"]
    return [e for e in entries if not e["obsolete"] and e["msgid"] is not None]


def _po(lang: str) -> Path:
    return LOCALE_DIR / CATALOGUES[lang] / "LC_MESSAGES" / "django.po"


def _catalogue_url() -> str | None:
    try:
        return reverse("catalogue:list")
    except NoReverseMatch:
        return None


def _expected_words(lang: str) -> dict[str, str]:
    words = dict(EXPECTED[lang])
    if _catalogue_url() is None:  # the navigation shows "Catalogue" only once the app exists
        words.pop("Catalogue")
    return words


def _page(client, path: str, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _assert_switcher(html: str, current: str) -> None:
    assert 'action="/i18n/setlang/"' in html or f'action="{reverse("set_language")}"' in html
    for name in SWITCHER_NAMES:
        assert f">{name}</option>" in html, name
    assert re.search(rf'<option value="{re.escape(current)}"[^>]*\sselected>', html), current


# --- Catalogue files ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_files_exist_and_mo_is_compiled(lang):
    po = _po(lang)
    mo = po.with_suffix(".mo")
    assert po.is_file(), po
    assert mo.is_file(), f"{mo} is missing: run `manage.py compilemessages` and commit it"


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_required_sources_are_fully_translated(lang):
    """Every message from the base layout, the account pages and the accounts app is done."""
    entries = [
        e
        for e in parse_po(_po(lang))
        if e["msgid"] and any(ref.startswith(REQUIRED_SOURCES) for ref in e["refs"])
    ]
    assert any(ref.startswith("templates/base.html") for e in entries for ref in e["refs"])
    assert any(ref.startswith("templates/accounts/") for e in entries for ref in e["refs"])
    untranslated = [e["msgid"] for e in entries if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    assert not fuzzy, f"fuzzy (not compiled) in {lang}: {fuzzy}"


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_translations_keep_their_placeholders(lang):
    placeholder = re.compile(r"%(?:\([a-z_]+\))?[sdr]|\{\{\s*\w+\s*\}\}")
    for e in parse_po(_po(lang)):
        if not e["msgid"] or not e["msgstr"] or e["plural"]:
            continue
        assert sorted(placeholder.findall(e["msgstr"])) == sorted(
            placeholder.findall(e["msgid"])
        ), (lang, e["msgid"], e["msgstr"])


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_committed_mo_matches_po(lang):
    """The committed .mo carries every finished translation of the .po (no stale compile)."""
    po = _po(lang)
    with po.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e["msgid"]
        for e in parse_po(po)
        if e["msgid"]
        and e["msgstr"]
        and not e["plural"]
        and "fuzzy" not in e["flags"]
        and compiled.gettext(e["msgid"]) != e["msgstr"]
    ]
    assert not stale, f"{lang}: .mo is older than .po, recompile: {stale[:5]}"


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_expected_words_are_in_the_catalogue(lang):
    by_id = {e["msgid"]: e["msgstr"] for e in parse_po(_po(lang))}
    for msgid, translation in EXPECTED[lang].items():
        assert by_id.get(msgid) == translation, (lang, msgid)


# --- Pages ----------------------------------------------------------------------------------


def test_english_is_the_default_without_accept_language(client):
    html = _page(client, "/")
    assert '<html lang="en">' in html
    for word in ("Log in", "Sign up", "Register your organisation"):
        assert word in html
    _assert_switcher(html, "en")
    login = _page(client, reverse("accounts:login"))
    assert "Forgotten your password?" in login
    assert "登录" not in login and "Log masuk" not in login


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_language_switcher_translates_home_and_login(client, lang):
    response = client.post(reverse("set_language"), {"language": lang, "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == lang
    home = response.content.decode()
    assert f'<html lang="{lang}">' in home
    words = _expected_words(lang)
    for msgid in ("Log in", "Sign up", "Register your organisation", "Catalogue"):
        if msgid in words:
            assert words[msgid] in home, (lang, msgid)
    assert ">Log in<" not in home and ">Sign up<" not in home
    _assert_switcher(home, lang)

    login = _page(client, reverse("accounts:login"))
    for msgid in ("Log in", "Forgotten your password?", "Password"):
        assert words[msgid] in login, (lang, msgid)
    assert "Forgotten your password?" not in login
    _assert_switcher(login, lang)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-hans", "zh-hans"),
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-hans"),
        ("ms", "ms"),
        ("ms-MY,ms;q=0.9,en;q=0.5", "ms"),
    ],
)
def test_accept_language_header_picks_the_language(client, header, lang):
    words = _expected_words(lang)
    home = _page(client, "/", HTTP_ACCEPT_LANGUAGE=header)
    assert f'<html lang="{lang}">' in home
    assert words["Log in"] in home and words["Sign up"] in home
    login = _page(client, reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE=header)
    assert words["Forgotten your password?"] in login
    _assert_switcher(login, lang)


def test_unsupported_accept_language_falls_back_to_english(client):
    html = _page(client, "/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert '<html lang="en">' in html and "Log in" in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-hans", ["工作电子邮箱", "马来西亚", "中国内地", "购买方——我们希望获得数据产品的许可"]),
        ("ms", ["E-mel kerja", "Singapura", "China (tanah besar)", "Cipta akaun"]),
    ],
)
def test_sign_up_form_labels_and_jurisdictions_are_translated(client, lang, words):
    """Lazy labels and choices from accounts/forms.py and accounts/jurisdictions.py."""
    html = _page(client, reverse("accounts:signup"), HTTP_ACCEPT_LANGUAGE=lang)
    for word in words:
        assert word in html, (lang, word)
