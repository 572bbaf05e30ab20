"""Seed transfer rule sets for China, Malaysia, Singapore and Vietnam, as plain data.

Every value here is JSON-serialisable, so a data migration or management command can load
these into the rule-set models unchanged. Each rule set and each rule cites its source: a
precise citation string plus the official publisher's page. Where no stable deep link to the
text exists, the URL is the official site (CAC, NPC, the Malaysian Personal Data Protection
Department, Singapore Statutes Online / PDPC, the Vietnamese Government legal documents
portal) and the citation says exactly what to open there.

Use :func:`seed_rule_sets` to get fresh copies; the module-level constants are shared.
The shape is documented in :mod:`compliance.rules.engine`.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "CN_2024_1",
    "MY_2025_1",
    "MY_2025_2",
    "SEED_RULE_SETS",
    "SG_2021_1",
    "VN_2026_1",
    "seed_rule_sets",
]

# --------------------------------------------------------------------------------------------
# Official sources
# --------------------------------------------------------------------------------------------

# CAC's publication of the Provisions (国家互联网信息办公室令第16号).
CAC_PROVISIONS_2024_URL = "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm"
# CAC's publication of the Personal Information Protection Law.
CAC_PIPL_URL = "https://www.cac.gov.cn/2021-08/20/c_1631050028355286.htm"
# National People's Congress: publishes the Data Security Law and the PIPL.
NPC_URL = "https://www.npc.gov.cn/"
# Malaysian Personal Data Protection Department (JPDP): the Act, amendments and guidelines.
MY_PDP_URL = "https://www.pdp.gov.my/"
# Singapore Statutes Online: the PDPA 2012 and the PDP Regulations 2021 (S 63/2021).
SG_PDPA_URL = "https://sso.agc.gov.sg/Act/PDPA2012"
SG_PDP_REGULATIONS_URL = "https://sso.agc.gov.sg/SL/PDPA2012-S63-2021"
SG_PDPC_URL = "https://www.pdpc.gov.sg/"
# Vietnamese Government legal documents portal (laws and decrees).
VN_LEGAL_DOCUMENTS_URL = "https://vanban.chinhphu.vn/"

_PROVISIONS = (
    "Provisions on Promoting and Regulating Cross-Border Data Flows "
    "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024"
)
_PIPL = "Personal Information Protection Law of the PRC (个人信息保护法)"
_DSL = "Data Security Law of the PRC (数据安全法)"
_MY_PDPA = "Personal Data Protection Act 2010 (Act 709)"
_MY_AMENDMENT = "as amended by the Personal Data Protection (Amendment) Act 2024 (Act A1727)"
_MY_CBPDT_GUIDELINE = (
    "Personal Data Protection Guideline: Cross Border Personal Data Transfer, "
    "Personal Data Protection Commissioner, 29 April 2025"
)
_MY_DPO_GUIDELINE = (
    "Personal Data Protection Guideline: Appointment of Data Protection Officer, "
    "Personal Data Protection Commissioner, 2025"
)
_SG_PDPA = "Personal Data Protection Act 2012 (Singapore)"
_SG_REGULATIONS = "Personal Data Protection Regulations 2021 (S 63/2021)"
_VN_PDP_LAW = "Law on Personal Data Protection No. 91/2025/QH15 (in force 1 January 2026)"
_VN_DECREE = "Decree No. 356/2025/ND-CP detailing the Law on Personal Data Protection"
_VN_DATA_LAW = "Law on Data No. 60/2024/QH15 (in force 1 July 2025)"

# --------------------------------------------------------------------------------------------
# Condition building blocks (functions so that every rule gets its own dicts)
# --------------------------------------------------------------------------------------------


def _personal() -> dict[str, Any]:
    """The transfer includes personal information (sensitive or not)."""
    return {
        "fact": "data_categories",
        "op": "contains_any",
        "value": ["personal", "sensitive_personal"],
    }


def _no_personal() -> dict[str, Any]:
    return {"not": _personal()}


def _fact(name: str, op: str, value: Any = None) -> dict[str, Any]:
    condition: dict[str, Any] = {"fact": name, "op": op}
    if value is not None:
        condition["value"] = value
    return condition


def _foreign_authority_or_restricted() -> dict[str, Any]:
    return {
        "any": [
            _fact("recipient_type", "in", ["judicial", "law_enforcement"]),
            _fact("recipient_restricted", "is_true"),
        ]
    }


def _outcome(
    decision: str,
    mechanisms: list[str] | None = None,
    obligations: list[str] | None = None,
    *,
    terminal: bool = False,
) -> dict[str, Any]:
    return {
        "decision": decision,
        "mechanisms_any_of": list(mechanisms or []),
        "obligations": list(obligations or []),
        "terminal": terminal,
    }


def _exemption_rule(
    code: str, priority: int, exemption: str, title: str, article: str, explanation: str
) -> dict[str, Any]:
    return {
        "code": code,
        "priority": priority,
        "title": title,
        "when": {
            "all": [
                _fact("exemptions", "contains", exemption),
                _fact("important_data", "is_false"),
            ]
        },
        "outcome": _outcome("allow", terminal=True),
        "explanation": explanation
        + " The exemption frees the export from the security assessment, the standard "
        "contract and certification, also for a CIIO; it does not apply where important data "
        "is involved (that still needs the security assessment). The exemption is the "
        "exporter's declaration; its evidence is checked in the legal review.",
        "source": {"citation": f"{_PROVISIONS}, {article}", "url": CAC_PROVISIONS_2024_URL},
    }


# --------------------------------------------------------------------------------------------
# China
# --------------------------------------------------------------------------------------------

_CN_EXEMPT_AND_NO_IMPORTANT_DATA = {
    "all": [
        _fact(
            "exemptions",
            "contains_any",
            ["contract_with_individual", "hr_management", "emergency", "free_trade_zone"],
        ),
        _fact("important_data", "is_false"),
    ]
}

CN_2024_1: dict[str, Any] = {
    "jurisdiction": "CN",
    "version": "2024.1",
    "effective_from": "2024-03-22",
    "effective_to": None,
    "title": "China: outbound data transfers under the PIPL, the Data Security Law and the "
    "2024 Provisions on Promoting and Regulating Cross-Border Data Flows",
    "sources": [
        {"citation": f"{_PROVISIONS}, Arts. 1-14", "url": CAC_PROVISIONS_2024_URL},
        {"citation": f"{_PIPL}, Arts. 38-43, 55-56", "url": CAC_PIPL_URL},
        {"citation": f"{_DSL}, Art. 36", "url": NPC_URL},
    ],
    "rules": [
        {
            "code": "cn.block.foreign_judicial_or_law_enforcement",
            "priority": 10,
            "title": "Recipient is a foreign judicial or law-enforcement body",
            "when": _fact("recipient_type", "in", ["judicial", "law_enforcement"]),
            "outcome": _outcome("block", terminal=True),
            "explanation": "The recipient is a foreign judicial or law-enforcement body. Data "
            "stored in China may not be provided to such a body without the approval of the "
            "competent PRC authorities (DSL Art. 36; for personal information PIPL Art. 41). "
            "The exchange is not a channel for such requests, so the transfer is blocked.",
            "source": {"citation": f"{_DSL}, Art. 36; {_PIPL}, Art. 41", "url": NPC_URL},
        },
        {
            "code": "cn.block.restricted_recipient",
            "priority": 11,
            "title": "Recipient is on a restricted list",
            "when": _fact("recipient_restricted", "is_true"),
            "outcome": _outcome("block", terminal=True),
            "explanation": "The recipient is on a restricted list. The national cyberspace "
            "authority may list foreign organisations and individuals to which the provision "
            "of personal information is restricted or prohibited (PIPL Art. 42); the exchange "
            "does not transfer any data to a listed recipient.",
            "source": {"citation": f"{_PIPL}, Art. 42", "url": CAC_PIPL_URL},
        },
        {
            "code": "cn.obligations.personal_information_export",
            "priority": 20,
            "title": "Separate consent and PI impact assessment for non-exempt PI exports",
            "when": {"all": [_personal(), {"not": _CN_EXEMPT_AND_NO_IMPORTANT_DATA}]},
            "outcome": _outcome(
                "allow", obligations=["cn_separate_consent", "cn_pi_impact_assessment"]
            ),
            "explanation": "Personal information is exported and no exemption of Arts. 3-6 of "
            "the 2024 Provisions applies: the individuals' separate consent (PIPL Art. 39) and "
            "a personal information protection impact assessment kept for at least three years "
            "(PIPL Arts. 55-56) are required. This deliberately includes exports below 100,000 "
            "individuals: Art. 5(4) of the Provisions frees them from the security assessment, "
            "the standard contract and certification, not from the PIPL, so the stricter "
            "reading is applied.",
            "source": {"citation": f"{_PIPL}, Arts. 39, 55-56", "url": CAC_PIPL_URL},
        },
        {
            "code": "cn.assessment.important_data",
            "priority": 30,
            "title": "Important data requires the CAC security assessment",
            "when": _fact("important_data", "is_true"),
            "outcome": _outcome("allow_with_mechanism", ["cn_security_assessment"], terminal=True),
            "explanation": "The data includes important data (notified or publicly designated "
            "as such by the competent departments or regions, Art. 2). Providing important "
            "data abroad requires the CAC data export security assessment whatever the volume, "
            "and no exemption of Arts. 3-6 applies (Art. 7). An assessment result is valid for "
            "three years (Art. 9).",
            "source": {"citation": f"{_PROVISIONS}, Arts. 2, 7, 9", "url": CAC_PROVISIONS_2024_URL},
        },
        {
            "code": "cn.exempt.no_personal_information_or_important_data",
            "priority": 40,
            "title": "No personal information and no important data",
            "when": {"all": [_no_personal(), _fact("important_data", "is_false")]},
            "outcome": _outcome("allow", terminal=True),
            "explanation": "The data contains neither personal information nor important data "
            "(for example trade, transport, manufacturing or academic data): exempt from the "
            "security assessment, the standard contract and certification (Art. 3).",
            "source": {"citation": f"{_PROVISIONS}, Art. 3", "url": CAC_PROVISIONS_2024_URL},
        },
        _exemption_rule(
            "cn.exempt.contract_with_individual",
            41,
            "contract_with_individual",
            "Necessary to conclude or perform a contract with the individual",
            "Art. 5(1)",
            "The exporter declares the export truly necessary to conclude or perform a contract "
            "to which the individual is a party (cross-border shopping, delivery, payment, "
            "account opening, travel booking, visa processing and the like) (Art. 5(1)).",
        ),
        _exemption_rule(
            "cn.exempt.hr_management",
            42,
            "hr_management",
            "Necessary for cross-border human-resources management",
            "Art. 5(2)",
            "The exporter declares the export of employees' personal information truly "
            "necessary for cross-border human-resources management under lawfully made labour "
            "rules and collective contracts (Art. 5(2)).",
        ),
        _exemption_rule(
            "cn.exempt.emergency",
            43,
            "emergency",
            "Necessary to protect life, health or property in an emergency",
            "Art. 5(3)",
            "The exporter declares the export truly necessary to protect an individual's life, "
            "health or property in an emergency (Art. 5(3)).",
        ),
        _exemption_rule(
            "cn.exempt.free_trade_zone",
            44,
            "free_trade_zone",
            "Free-trade-zone exporter, data outside the zone's negative list",
            "Art. 6",
            "The exporter is in a pilot free trade zone and declares that the data is not on "
            "the zone's negative list (Art. 6).",
        ),
        {
            "code": "cn.assessment.ciio_personal_information",
            "priority": 50,
            "title": "CIIO exporting personal information",
            "when": {"all": [_fact("exporter_ciio", "is_true"), _personal()]},
            "outcome": _outcome("allow_with_mechanism", ["cn_security_assessment"], terminal=True),
            "explanation": "The exporter is a critical information infrastructure operator "
            "providing personal information abroad without an applicable exemption: the CAC "
            "security assessment is required whatever the volume (Art. 7(1)); the volume-based "
            "routes of Arts. 5(4) and 8 are open only to exporters other than CIIOs.",
            "source": {"citation": f"{_PROVISIONS}, Arts. 7(1), 9", "url": CAC_PROVISIONS_2024_URL},
        },
        {
            "code": "cn.assessment.volume_threshold",
            "priority": 60,
            "title": "1,000,000+ individuals or 10,000+ sensitive since 1 January",
            "when": {
                "all": [
                    _personal(),
                    _fact("exporter_ciio", "is_false"),
                    _fact("important_data", "is_false"),
                    {
                        "any": [
                            _fact("subjects_ytd", "gte", 1_000_000),
                            _fact("sensitive_subjects_ytd", "gte", 10_000),
                        ]
                    },
                ]
            },
            "outcome": _outcome("allow_with_mechanism", ["cn_security_assessment"], terminal=True),
            "explanation": "Since 1 January the exporter has provided abroad personal "
            "information of 1,000,000 or more individuals, or sensitive personal information of "
            "10,000 or more individuals (this transfer included; '以上' in the Chinese text "
            "includes the number itself): the CAC security assessment is required (Art. 7(2)) "
            "and is valid for three years (Art. 9). subjects_ytd counts every individual, "
            "sensitive ones included, and is compared with the 1,000,000 threshold as is.",
            "source": {"citation": f"{_PROVISIONS}, Arts. 7(2), 9", "url": CAC_PROVISIONS_2024_URL},
        },
        {
            "code": "cn.standard_contract.volume_threshold",
            "priority": 61,
            "title": "100,000-999,999 individuals or 1-9,999 sensitive since 1 January",
            "when": {
                "all": [
                    _personal(),
                    _fact("exporter_ciio", "is_false"),
                    _fact("important_data", "is_false"),
                    {
                        "any": [
                            _fact("subjects_ytd", "between", [100_000, 999_999]),
                            _fact("sensitive_subjects_ytd", "between", [1, 9_999]),
                        ]
                    },
                ]
            },
            "outcome": _outcome(
                "allow_with_mechanism",
                ["cn_standard_contract", "cn_certification"],
                terminal=True,
            ),
            "explanation": "Since 1 January the exporter has provided abroad personal "
            "information of 100,000 to 999,999 individuals, or sensitive personal information "
            "of 1 to 9,999 individuals (this transfer included): a standard contract for the "
            "export of personal information, filed with the provincial cyberspace "
            "administration within 10 working days of taking effect, or personal information "
            "protection certification is required (Art. 8).",
            "source": {"citation": f"{_PROVISIONS}, Art. 8", "url": CAC_PROVISIONS_2024_URL},
        },
        {
            "code": "cn.no_mechanism.below_threshold",
            "priority": 62,
            "title": "Fewer than 100,000 individuals, no sensitive, no important data",
            "when": {
                "all": [
                    _personal(),
                    _fact("exporter_ciio", "is_false"),
                    _fact("important_data", "is_false"),
                    _fact("subjects_ytd", "lt", 100_000),
                    _fact("sensitive_subjects_ytd", "eq", 0),
                ]
            },
            "outcome": _outcome("allow", terminal=True),
            "explanation": "Since 1 January the exporter (not a CIIO) has provided abroad "
            "personal information of fewer than 100,000 individuals and no sensitive personal "
            "information, and no important data is involved: no security assessment, standard "
            "contract or certification is needed (Art. 5(4)). The PIPL duties of separate "
            "consent and a PI impact assessment still apply "
            "(cn.obligations.personal_information_export).",
            "source": {"citation": f"{_PROVISIONS}, Art. 5(4)", "url": CAC_PROVISIONS_2024_URL},
        },
    ],
}

# --------------------------------------------------------------------------------------------
# Malaysia
# --------------------------------------------------------------------------------------------


def _my_rules(*, with_dpo: bool) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "code": "my.review.foreign_authority_or_restricted_recipient",
            "priority": 10,
            "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
            "when": _foreign_authority_or_restricted(),
            "outcome": _outcome("manual_review"),
            "explanation": "The recipient is a foreign judicial or law-enforcement body, or is "
            "on a restricted list. Section 129 does not deal specifically with providing "
            "personal data to foreign authorities; whether an exception such as legal "
            "proceedings in s.129(3) covers the transfer is unsettled, so a reviewer decides.",
            "source": {"citation": f"{_MY_PDPA}, s.129, {_MY_AMENDMENT}", "url": MY_PDP_URL},
        },
        {
            "code": "my.allow.non_personal",
            "priority": 20,
            "title": "No personal data",
            "when": _no_personal(),
            "outcome": _outcome("allow", terminal=True),
            "explanation": "No personal data is transferred. The PDPA and its transfer "
            "restriction in s.129 apply to personal data only.",
            "source": {"citation": f"{_MY_PDPA}, ss.2, 4 and 129", "url": MY_PDP_URL},
        },
        {
            "code": "my.mechanism.section_129",
            "priority": 30,
            "title": "Personal data leaving Malaysia: s.129(2) assessment or s.129(3) exception",
            "when": _personal(),
            "outcome": _outcome(
                "allow_with_mechanism",
                ["my_transfer_impact_assessment", "my_s129_exception"],
            ),
            "explanation": "Personal data may be transferred out of Malaysia where the "
            "destination has in force a law substantially similar to the PDPA, or ensures a "
            "level of protection at least equivalent to it (s.129(2)), as established by the "
            "exporter's transfer impact assessment, whose findings the Commissioner's guideline "
            "treats as valid for three years; otherwise only under a s.129(3) exception: "
            "consent, a contract with or at the request of the data subject, legal proceedings, "
            "vital interests, or reasonable precautions and due diligence such as binding "
            "corporate rules, contractual clauses or certification.",
            "source": {
                "citation": f"{_MY_PDPA}, s.129(2)-(3), {_MY_AMENDMENT} (in force 1 April "
                f"2025); {_MY_CBPDT_GUIDELINE}",
                "url": MY_PDP_URL,
            },
        },
    ]
    if with_dpo:
        rules.append(
            {
                "code": "my.obligation.data_protection_officer",
                "priority": 40,
                "title": "More than 20,000 data subjects, or more than 10,000 sensitive",
                "when": {
                    "all": [
                        _personal(),
                        {
                            "any": [
                                _fact("subjects_ytd", "gt", 20_000),
                                _fact("sensitive_subjects_ytd", "gt", 10_000),
                            ]
                        },
                    ]
                },
                "outcome": _outcome("allow", obligations=["my_dpo_required"]),
                "explanation": "More than 20,000 data subjects, or more than 10,000 data "
                "subjects of sensitive personal data: the data controller must appoint a data "
                "protection officer and notify the Commissioner (s.12A, in force 1 June 2025). "
                "The guideline's thresholds are 'more than', so exactly 20,000 or 10,000 do not "
                "trigger it. They count every data subject the controller processes; "
                "subjects_ytd counts exports only and so is a lower bound, and the compliance "
                "stage checks the provider's DPO as a whole.",
                "source": {
                    "citation": f"{_MY_PDPA}, s.12A, {_MY_AMENDMENT}; {_MY_DPO_GUIDELINE}",
                    "url": MY_PDP_URL,
                },
            }
        )
    return rules


_MY_SOURCES = [
    {"citation": f"{_MY_PDPA}, s.129, {_MY_AMENDMENT}", "url": MY_PDP_URL},
    {"citation": _MY_CBPDT_GUIDELINE, "url": MY_PDP_URL},
]

MY_2025_1: dict[str, Any] = {
    "jurisdiction": "MY",
    "version": "2025.1",
    "effective_from": "2025-04-01",
    "effective_to": "2025-06-01",
    "title": "Malaysia: transfers of personal data out of Malaysia (PDPA 2010 s.129 as amended "
    "in 2024), before the DPO duty took effect",
    "sources": copy.deepcopy(_MY_SOURCES),
    "rules": _my_rules(with_dpo=False),
}

MY_2025_2: dict[str, Any] = {
    "jurisdiction": "MY",
    "version": "2025.2",
    "effective_from": "2025-06-01",
    "effective_to": None,
    "title": "Malaysia: transfers of personal data out of Malaysia (PDPA 2010 s.129 as amended "
    "in 2024), with the data protection officer duty (s.12A)",
    "sources": copy.deepcopy(_MY_SOURCES)
    + [{"citation": f"{_MY_PDPA}, s.12A; {_MY_DPO_GUIDELINE}", "url": MY_PDP_URL}],
    "rules": _my_rules(with_dpo=True),
}

# --------------------------------------------------------------------------------------------
# Singapore
# --------------------------------------------------------------------------------------------

SG_2021_1: dict[str, Any] = {
    "jurisdiction": "SG",
    "version": "2021.1",
    "effective_from": "2021-02-01",
    "effective_to": None,
    "title": "Singapore: the Transfer Limitation Obligation (PDPA s.26; PDP Regulations 2021 "
    "regs 10-12)",
    "sources": [
        {"citation": f"{_SG_PDPA}, s.26", "url": SG_PDPA_URL},
        {"citation": f"{_SG_REGULATIONS}, Part 3, regs 9-12", "url": SG_PDP_REGULATIONS_URL},
        {
            "citation": "PDPC, Advisory Guidelines on Key Concepts in the PDPA, "
            "Transfer Limitation Obligation",
            "url": SG_PDPC_URL,
        },
    ],
    "rules": [
        {
            "code": "sg.review.foreign_authority_or_restricted_recipient",
            "priority": 10,
            "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
            "when": _foreign_authority_or_restricted(),
            "outcome": _outcome("manual_review"),
            "explanation": "The recipient is a foreign judicial or law-enforcement body, or is "
            "on a restricted list. Section 26 and regs 10-12 do not deal specifically with "
            "disclosure to foreign authorities; whether it can rest on an exception or on "
            "comparable-protection obligations is unsettled, so a reviewer decides.",
            "source": {
                "citation": f"{_SG_PDPA}, s.26; {_SG_REGULATIONS}, reg. 10",
                "url": SG_PDPA_URL,
            },
        },
        {
            "code": "sg.allow.non_personal",
            "priority": 20,
            "title": "No personal data",
            "when": _no_personal(),
            "outcome": _outcome("allow", terminal=True),
            "explanation": "No personal data is transferred; the Transfer Limitation "
            "Obligation in s.26 applies to personal data only.",
            "source": {"citation": f"{_SG_PDPA}, s.26", "url": SG_PDPA_URL},
        },
        {
            "code": "sg.mechanism.comparable_protection",
            "priority": 30,
            "title": "Recipient bound by legally enforceable obligations",
            "when": _personal(),
            "outcome": _outcome(
                "allow_with_mechanism", ["sg_enforceable_obligations"], terminal=True
            ),
            "explanation": "Before personal data leaves Singapore the organisation must ensure "
            "the recipient is bound by legally enforceable obligations to give it protection at "
            "least comparable to the PDPA: law, a contract that names the destination countries "
            "and territories, binding corporate rules, another legally binding instrument, or a "
            "specified certification (APEC or Global CBPR; PRP for data intermediaries); "
            "reg. 10(2) also accepts, among others, the individual's consent after a reasonable "
            "written summary of the protection abroad.",
            "source": {
                "citation": f"{_SG_PDPA}, s.26; {_SG_REGULATIONS}, regs 10-12",
                "url": SG_PDP_REGULATIONS_URL,
            },
        },
    ],
}

# --------------------------------------------------------------------------------------------
# Vietnam
# --------------------------------------------------------------------------------------------

VN_2026_1: dict[str, Any] = {
    "jurisdiction": "VN",
    "version": "2026.1",
    "effective_from": "2026-01-01",
    "effective_to": None,
    "title": "Vietnam: Vietnamese-origin personal data under the Law on Personal Data "
    "Protection and Decree 356/2025 (from 1 January 2026)",
    "sources": [
        {"citation": _VN_PDP_LAW, "url": VN_LEGAL_DOCUMENTS_URL},
        {"citation": _VN_DECREE, "url": VN_LEGAL_DOCUMENTS_URL},
        {"citation": _VN_DATA_LAW, "url": VN_LEGAL_DOCUMENTS_URL},
    ],
    "rules": [
        {
            "code": "vn.review.foreign_authority_or_restricted_recipient",
            "priority": 10,
            "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
            "when": _foreign_authority_or_restricted(),
            "outcome": _outcome("manual_review"),
            "explanation": "The recipient is a foreign judicial or law-enforcement body, or is "
            "on a restricted list; the Vietnamese rules on providing data to foreign "
            "authorities are unsettled for the exchange, so a reviewer decides.",
            "source": {"citation": f"{_VN_PDP_LAW}; {_VN_DATA_LAW}", "url": VN_LEGAL_DOCUMENTS_URL},
        },
        {
            "code": "vn.review.important_data",
            "priority": 20,
            "title": "Important data",
            "when": _fact("important_data", "is_true"),
            "outcome": _outcome("manual_review"),
            "explanation": "The data is designated important data. The Law on Data regulates "
            "the cross-border transfer of important and core data separately from personal "
            "data; the exchange has no automated rule for it, so a reviewer decides.",
            "source": {"citation": _VN_DATA_LAW, "url": VN_LEGAL_DOCUMENTS_URL},
        },
        {
            "code": "vn.allow.non_personal",
            "priority": 30,
            "title": "No personal data and no important data",
            "when": {"all": [_no_personal(), _fact("important_data", "is_false")]},
            "outcome": _outcome("allow", terminal=True),
            "explanation": "Neither personal data nor important data is transferred; the "
            "personal data protection law does not restrict the transfer.",
            "source": {"citation": _VN_PDP_LAW, "url": VN_LEGAL_DOCUMENTS_URL},
        },
        {
            "code": "vn.review.personal_data",
            "priority": 40,
            "title": "Vietnamese-origin personal data",
            "when": _personal(),
            "outcome": _outcome("manual_review", terminal=True),
            "explanation": "Vietnamese-origin personal data. From 1 January 2026 the Law on "
            "Personal Data Protection prohibits buying and selling personal data, and it and "
            "Decree 356/2025 require a cross-border transfer impact assessment dossier for the "
            "Ministry of Public Security. Whether licensed access to a data product over such "
            "data is a permitted transfer or a prohibited sale is not settled, so every such "
            "transfer goes to manual review.",
            "source": {"citation": f"{_VN_PDP_LAW}; {_VN_DECREE}", "url": VN_LEGAL_DOCUMENTS_URL},
        },
    ],
}

SEED_RULE_SETS: tuple[dict[str, Any], ...] = (CN_2024_1, MY_2025_1, MY_2025_2, SG_2021_1, VN_2026_1)


def seed_rule_sets() -> list[dict[str, Any]]:
    """Fresh deep copies of every seed rule set, safe to mutate or store."""
    return copy.deepcopy(list(SEED_RULE_SETS))
