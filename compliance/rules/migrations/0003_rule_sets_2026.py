"""Publishes China 2026.1, Malaysia 2026.1 and Singapore 2026.1: the rules checked against
the primary texts (docs/domain.md, "Cross-border transfer rules").

* **CN 2026.1** (from 2 December 2026, replacing CN 2024.1): the PIPL duties (Art. 39 notice
  and separate consent, the Art. 55-56 impact assessment) on every export of personal
  information, exempt ones included; the Art. 4 exemption for personal information collected
  abroad and exported again; the counts of Arts. 7-8 kept apart (non-sensitive, sensitive);
  the Greater Bay Area standard contract for mainland GBA exporters sending to Hong Kong or
  Macao; a foreign judicial or law-enforcement recipient with the approval of the competent
  PRC authority goes to a reviewer instead of being blocked.
* **MY 2026.1** (from 2 December 2026, replacing MY 2025.2): the DPO duty judged on the
  controller's whole processing (more than 20,000 data subjects, more than 10,000 with
  sensitive data or financial information, or regular and systematic monitoring); the
  review of foreign authorities split into the PDPA's rule (personal data) and the
  exchange's policy (other data).
* **SG 2026.1** (from 2 March 2026, replacing SG 2021.1): specified certifications are APEC
  CBPR / PRP and, from this date (S 86/2026 amending reg. 12), Global CBPR / PRP, a mechanism
  of their own; reg. 10(2)'s data-in-transit and publicly-available routes; the same split
  of the foreign-authority review.

CN and MY take effect on the day they were published: they correct the exchange's reading of
laws already in force, and answers given before stay explained by the versions they name.
SG takes effect on the date the amendment did, so an assessment dated before it still gives
the old answer.

Like ``0002_seed_rule_sets``, this migration carries its own frozen copy of the data it
publishes (``RULE_SETS``) and imports nothing from the application. Do not edit it: a later
change is a new version in a new migration. :func:`seed` is idempotent and also closes the
versions it replaces (``REPLACES``); tests that emptied the tables call it after 0002's.
"""

import copy

from django.db import migrations
from django.utils import timezone

CAC_PROVISIONS = {
    "citation": (
        "Provisions on Promoting and Regulating Cross-Border Data Flows "
        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024"
    ),
    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
}
PIPL_URL = "https://www.cac.gov.cn/2021-08/20/c_1631050028355286.htm"
PERSONAL = {
    "fact": "data_categories",
    "op": "contains_any",
    "value": ["personal", "sensitive_personal"],
}
NOT_PERSONAL = {"not": PERSONAL}
FOREIGN_AUTHORITY = {"fact": "recipient_type", "op": "in", "value": ["judicial", "law_enforcement"]}
AUTHORITY_OR_RESTRICTED = {
    "any": [FOREIGN_AUTHORITY, {"fact": "recipient_restricted", "op": "is_true"}]
}
NO_IMPORTANT_DATA = {"fact": "important_data", "op": "is_false"}
NOT_CIIO = {"fact": "exporter_ciio", "op": "is_false"}
MID_VOLUME = {
    "any": [
        {"fact": "subjects_ytd", "op": "between", "value": [100000, 999999]},
        {"fact": "sensitive_subjects_ytd", "op": "between", "value": [1, 9999]},
    ]
}


def _outcome(decision, *, mechanisms=(), obligations=(), terminal):
    return {
        "decision": decision,
        "mechanisms_any_of": list(mechanisms),
        "obligations": list(obligations),
        "terminal": terminal,
    }


def _cn(article):
    return {"citation": f"{CAC_PROVISIONS['citation']}, {article}", "url": CAC_PROVISIONS["url"]}


def _cn_exemption(code, priority, exemption, title, article, text):
    return {
        "code": code,
        "priority": priority,
        "title": title,
        "when": {
            "all": [
                {"fact": "exemptions", "op": "contains", "value": exemption},
                NO_IMPORTANT_DATA,
            ]
        },
        "outcome": _outcome("allow", terminal=True),
        "explanation": (
            f"{text} The exemption frees the export from the security assessment, the standard "
            "contract and certification, also for a CIIO; it does not apply where important "
            "data is involved (that still needs the security assessment). It does not lift the "
            "PIPL duties (cn.obligations.personal_information_export). The exemption is the "
            "exporter's declaration; its evidence is checked in the legal review."
        ),
        "source": _cn(article),
    }


MY_PDPA = "Personal Data Protection Act 2010 (Act 709)"
MY_AMENDED = "as amended by the Personal Data Protection (Amendment) Act 2024 (Act A1727)"
MY_URL = "https://www.pdp.gov.my/"
SG_PDPA = {"citation": "Personal Data Protection Act 2012 (Singapore), s.26", "url": (
    "https://sso.agc.gov.sg/Act/PDPA2012"
)}
SG_REGS = "Personal Data Protection Regulations 2021 (S 63/2021)"
SG_REGS_URL = "https://sso.agc.gov.sg/SL/PDPA2012-S63-2021"

# The data this migration publishes, frozen: never edit it (see the module docstring).
RULE_SETS = [
    {
        "jurisdiction": "CN",
        "version": "2026.1",
        "effective_from": "2026-12-02",
        "effective_to": None,
        "title": (
            "China: outbound data transfers under the PIPL, the Data Security Law and the 2024 "
            "Provisions, with the PIPL duties on every export and the Greater Bay Area contract"
        ),
        "sources": [
            _cn("Arts. 1-14"),
            {
                "citation": (
                    "Personal Information Protection Law of the PRC (个人信息保护法), Arts. 38-43, "
                    "55-56"
                ),
                "url": PIPL_URL,
            },
            {
                "citation": "Data Security Law of the PRC (数据安全法), Art. 36",
                "url": "https://www.npc.gov.cn/",
            },
            {
                "citation": (
                    "Measures for the Standard Contract for the Export of Personal Information "
                    "(个人信息出境标准合同办法), CAC Order No. 13 of 2023, and the CAC's Guide to "
                    "Filing the Standard Contract (个人信息出境标准合同备案指南)"
                ),
                "url": "https://www.cac.gov.cn/",
            },
            {
                "citation": (
                    "Measures for the Certification of Personal Information Export "
                    "(个人信息出境认证办法), CAC and SAMR, in force 1 January 2026"
                ),
                "url": "https://www.cac.gov.cn/",
            },
            {
                "citation": (
                    "Implementation Guidelines on the Standard Contract for the Cross-boundary "
                    "Flow of Personal Information within the Guangdong-Hong Kong-Macao Greater "
                    "Bay Area (粤港澳大湾区个人信息跨境流动标准合同实施指引), Mainland-Hong Kong "
                    "and Mainland-Macao"
                ),
                "url": "https://www.cac.gov.cn/",
            },
        ],
        "rules": [
            {
                "code": "cn.review.foreign_authority_with_prc_approval",
                "priority": 9,
                "title": "Foreign judicial or law-enforcement recipient with PRC approval",
                "when": {
                    "all": [
                        FOREIGN_AUTHORITY,
                        {"fact": "prc_authority_approval", "op": "is_true"},
                    ]
                },
                "outcome": _outcome("manual_review", terminal=False),
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body and the "
                    "exporter states that the competent PRC authority approved providing the "
                    "data to it (DSL Art. 36; for personal information PIPL Art. 41). A "
                    "compliance reviewer checks the approval, which is the request's evidence, "
                    "before anything is provided; the other rules still show what the transfer "
                    "needs."
                ),
                "source": {
                    "citation": (
                        "Data Security Law of the PRC (数据安全法), Art. 36; Personal Information "
                        "Protection Law of the PRC (个人信息保护法), Art. 41"
                    ),
                    "url": "https://www.npc.gov.cn/",
                },
            },
            {
                "code": "cn.block.foreign_judicial_or_law_enforcement",
                "priority": 10,
                "title": "Foreign judicial or law-enforcement recipient without PRC approval",
                "when": {
                    "all": [
                        FOREIGN_AUTHORITY,
                        {"fact": "prc_authority_approval", "op": "is_false"},
                    ]
                },
                "outcome": _outcome("block", terminal=True),
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body and no approval "
                    "of the competent PRC authority is shown. Data stored in China may not be "
                    "provided to such a body without that approval (DSL Art. 36; for personal "
                    "information PIPL Art. 41), so the transfer is blocked."
                ),
                "source": {
                    "citation": (
                        "Data Security Law of the PRC (数据安全法), Art. 36; Personal Information "
                        "Protection Law of the PRC (个人信息保护法), Art. 41"
                    ),
                    "url": "https://www.npc.gov.cn/",
                },
            },
            {
                "code": "cn.block.restricted_recipient",
                "priority": 11,
                "title": "Recipient is on a restricted list",
                "when": {"fact": "recipient_restricted", "op": "is_true"},
                "outcome": _outcome("block", terminal=True),
                "explanation": (
                    "The recipient is on a restricted list. The national cyberspace authority "
                    "may list foreign organisations and individuals to which the provision of "
                    "personal information is restricted or prohibited (PIPL Art. 42); the "
                    "exchange does not transfer any data to a listed recipient."
                ),
                "source": {
                    "citation": "Personal Information Protection Law of the PRC (个人信息保护法), Art. 42",
                    "url": PIPL_URL,
                },
            },
            {
                "code": "cn.obligations.personal_information_export",
                "priority": 20,
                "title": "Notice, separate consent and PI impact assessment for every PI export",
                "when": PERSONAL,
                "outcome": _outcome(
                    "allow",
                    obligations=[
                        "cn_export_notice",
                        "cn_separate_consent",
                        "cn_pi_impact_assessment",
                    ],
                    terminal=False,
                ),
                "explanation": (
                    "Personal information is provided abroad. The PIPL requires, for every such "
                    "export: telling the individuals the foreign recipient's name and contact "
                    "details, the purposes and means of processing, the categories of "
                    "information and how to exercise their rights against the recipient, and "
                    "obtaining their separate consent (Art. 39); and a personal information "
                    "protection impact assessment made beforehand and kept for at least three "
                    "years (Arts. 55(4), 56). The 2024 Provisions lift the security assessment, "
                    "the standard contract and certification (Arts. 3-6, 5(4)); they do not "
                    "lift these duties, so they apply to exempt exports and to exports below "
                    "100,000 individuals as well."
                ),
                "source": {
                    "citation": (
                        "Personal Information Protection Law of the PRC (个人信息保护法), Arts. 39, "
                        "55(4), 56"
                    ),
                    "url": PIPL_URL,
                },
            },
            {
                "code": "cn.assessment.important_data",
                "priority": 30,
                "title": "Important data requires the CAC security assessment",
                "when": {"fact": "important_data", "op": "is_true"},
                "outcome": _outcome(
                    "allow_with_mechanism", mechanisms=["cn_security_assessment"], terminal=True
                ),
                "explanation": (
                    "The data includes important data (notified or publicly designated as such "
                    "by the competent departments or regions, Art. 2). Providing important data "
                    "abroad requires the CAC data export security assessment whatever the "
                    "volume, and no exemption of Arts. 3-6 applies (Art. 7). An assessment "
                    "result is valid for three years and may be extended by three years on "
                    "application (Art. 9)."
                ),
                "source": _cn("Arts. 2, 7, 9"),
            },
            {
                "code": "cn.exempt.no_personal_information_or_important_data",
                "priority": 40,
                "title": "No personal information and no important data",
                "when": {"all": [NOT_PERSONAL, NO_IMPORTANT_DATA]},
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "The data contains neither personal information nor important data (for "
                    "example trade, transport, manufacturing or academic data): exempt from the "
                    "security assessment, the standard contract and certification (Art. 3)."
                ),
                "source": _cn("Art. 3"),
            },
            _cn_exemption(
                "cn.exempt.contract_with_individual",
                41,
                "contract_with_individual",
                "Necessary to conclude or perform a contract with the individual",
                "Art. 5(1)",
                "The exporter declares the export truly necessary to conclude or perform a "
                "contract to which the individual is a party (cross-border shopping, delivery, "
                "payment, account opening, travel booking, visa processing and the like) "
                "(Art. 5(1)).",
            ),
            _cn_exemption(
                "cn.exempt.hr_management",
                42,
                "hr_management",
                "Necessary for cross-border human-resources management",
                "Art. 5(2)",
                "The exporter declares the export of employees' personal information truly "
                "necessary for cross-border human-resources management under lawfully made "
                "labour rules and collective contracts (Art. 5(2)).",
            ),
            _cn_exemption(
                "cn.exempt.emergency",
                43,
                "emergency",
                "Necessary to protect life, health or property in an emergency",
                "Art. 5(3)",
                "The exporter declares the export truly necessary to protect an individual's "
                "life, health or property in an emergency (Art. 5(3)).",
            ),
            _cn_exemption(
                "cn.exempt.free_trade_zone",
                44,
                "free_trade_zone",
                "Free-trade-zone exporter, data outside the zone's negative list",
                "Art. 6",
                "The exporter is in a pilot free trade zone and declares that the data is not "
                "on the zone's negative list (Art. 6).",
            ),
            _cn_exemption(
                "cn.exempt.foreign_collected_reexport",
                45,
                "foreign_collected_reexport",
                "Collected abroad, processed in China and exported again",
                "Art. 4",
                "The exporter declares that the personal information was collected and produced "
                "abroad, transferred into China for processing and is provided abroad again "
                "without any domestic personal information or important data added in China "
                "(Art. 4).",
            ),
            {
                "code": "cn.assessment.ciio_personal_information",
                "priority": 50,
                "title": "CIIO exporting personal information",
                "when": {"all": [{"fact": "exporter_ciio", "op": "is_true"}, PERSONAL]},
                "outcome": _outcome(
                    "allow_with_mechanism", mechanisms=["cn_security_assessment"], terminal=True
                ),
                "explanation": (
                    "The exporter is a critical information infrastructure operator providing "
                    "personal information abroad without an applicable exemption: the CAC "
                    "security assessment is required whatever the volume (Art. 7(1)); the "
                    "volume-based routes of Arts. 5(4) and 8, and the Greater Bay Area "
                    "contract, are open only to exporters other than CIIOs."
                ),
                "source": _cn("Arts. 7(1), 9"),
            },
            {
                "code": "cn.assessment.volume_threshold",
                "priority": 60,
                "title": "1,000,000+ non-sensitive or 10,000+ sensitive individuals this year",
                "when": {
                    "all": [
                        PERSONAL,
                        NOT_CIIO,
                        NO_IMPORTANT_DATA,
                        {
                            "any": [
                                {"fact": "subjects_ytd", "op": "gte", "value": 1000000},
                                {"fact": "sensitive_subjects_ytd", "op": "gte", "value": 10000},
                            ]
                        },
                    ]
                },
                "outcome": _outcome(
                    "allow_with_mechanism", mechanisms=["cn_security_assessment"], terminal=True
                ),
                "explanation": (
                    "Since 1 January the exporter has provided abroad personal information other "
                    "than sensitive personal information of 1,000,000 or more individuals, or "
                    "sensitive personal information of 10,000 or more individuals (this transfer "
                    "included; '以上' in the Chinese text includes the number itself). The two "
                    "counts are kept apart, as Art. 7(2) counts them ('不含敏感个人信息'): the "
                    "CAC security assessment is required, valid three years and extendable by "
                    "three years (Art. 9)."
                ),
                "source": _cn("Arts. 7(2), 9"),
            },
            {
                "code": "cn.gba_standard_contract.volume_threshold",
                "priority": 61,
                "title": "Greater Bay Area exporter to Hong Kong or Macao, mid volume",
                "when": {
                    "all": [
                        PERSONAL,
                        NOT_CIIO,
                        NO_IMPORTANT_DATA,
                        {"fact": "exporter_in_gba", "op": "is_true"},
                        {"fact": "destination", "op": "in", "value": ["HK", "MO"]},
                        MID_VOLUME,
                    ]
                },
                "outcome": _outcome(
                    "allow_with_mechanism",
                    mechanisms=[
                        "cn_standard_contract",
                        "cn_certification",
                        "cn_gba_standard_contract",
                    ],
                    terminal=True,
                ),
                "explanation": (
                    "The exporter is registered in one of the nine mainland cities of the "
                    "Greater Bay Area and the recipient processes in Hong Kong or Macao. Where "
                    "Art. 8 would require the standard contract or certification, the Greater "
                    "Bay Area standard contract, filed with the Guangdong cyberspace "
                    "administration, is an alternative for personal information flowing "
                    "between the mainland GBA cities and Hong Kong or Macao; it is not open to "
                    "CIIOs or to important data, and the exchange does not let it replace a "
                    "required security assessment. The recipient must be registered in Hong "
                    "Kong or Macao as well; the filing receipt shows both parties."
                ),
                "source": {
                    "citation": (
                        "Implementation Guidelines on the Standard Contract for the "
                        "Cross-boundary Flow of Personal Information within the Guangdong-Hong "
                        "Kong-Macao Greater Bay Area (粤港澳大湾区个人信息跨境流动标准合同实施指引); "
                        f"{CAC_PROVISIONS['citation']}, Art. 8"
                    ),
                    "url": "https://www.cac.gov.cn/",
                },
            },
            {
                "code": "cn.standard_contract.volume_threshold",
                "priority": 62,
                "title": "100,000-999,999 non-sensitive or 1-9,999 sensitive individuals",
                "when": {"all": [PERSONAL, NOT_CIIO, NO_IMPORTANT_DATA, MID_VOLUME]},
                "outcome": _outcome(
                    "allow_with_mechanism",
                    mechanisms=["cn_standard_contract", "cn_certification"],
                    terminal=True,
                ),
                "explanation": (
                    "Since 1 January the exporter has provided abroad personal information other "
                    "than sensitive personal information of 100,000 to 999,999 individuals, or "
                    "sensitive personal information of 1 to 9,999 individuals (this transfer "
                    "included): a standard contract for the export of personal information, "
                    "filed with the provincial cyberspace administration within 10 working days "
                    "of taking effect and governed by PRC law, or personal information "
                    "protection certification (valid three years) is required (Art. 8)."
                ),
                "source": _cn("Art. 8"),
            },
            {
                "code": "cn.no_mechanism.below_threshold",
                "priority": 63,
                "title": "Fewer than 100,000 individuals, no sensitive, no important data",
                "when": {
                    "all": [
                        PERSONAL,
                        NOT_CIIO,
                        NO_IMPORTANT_DATA,
                        {"fact": "subjects_ytd", "op": "lt", "value": 100000},
                        {"fact": "sensitive_subjects_ytd", "op": "eq", "value": 0},
                    ]
                },
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "Since 1 January the exporter (not a CIIO) has provided abroad personal "
                    "information of fewer than 100,000 individuals and no sensitive personal "
                    "information, and no important data is involved: no security assessment, "
                    "standard contract or certification is needed (Art. 5(4)). The PIPL duties "
                    "still apply (cn.obligations.personal_information_export)."
                ),
                "source": _cn("Art. 5(4)"),
            },
        ],
    },
    {
        "jurisdiction": "MY",
        "version": "2026.1",
        "effective_from": "2026-12-02",
        "effective_to": None,
        "title": (
            "Malaysia: transfers of personal data out of Malaysia (PDPA 2010 s.129 as amended "
            "in 2024), with the DPO duty judged on the controller's whole processing"
        ),
        "sources": [
            {"citation": f"{MY_PDPA}, s.129, {MY_AMENDED}", "url": MY_URL},
            {
                "citation": (
                    "Personal Data Protection Guideline: Cross Border Personal Data Transfer, "
                    "Personal Data Protection Commissioner, 29 April 2025"
                ),
                "url": MY_URL,
            },
            {
                "citation": (
                    f"{MY_PDPA}, s.12A; Personal Data Protection Guideline: Appointment of Data "
                    "Protection Officer, Personal Data Protection Commissioner, 2025"
                ),
                "url": MY_URL,
            },
        ],
        "rules": [
            {
                "code": "my.review.foreign_authority_personal_data",
                "priority": 10,
                "title": "Personal data to a foreign authority or a restricted recipient (PDPA)",
                "when": {"all": [PERSONAL, AUTHORITY_OR_RESTRICTED]},
                "outcome": _outcome("manual_review", terminal=False),
                "explanation": (
                    "Law: personal data is to go to a foreign judicial or law-enforcement body, "
                    "or to a recipient on a restricted list. Section 129 does not deal "
                    "specifically with providing personal data to foreign authorities; whether "
                    "an exception such as legal proceedings in s.129(3) covers the transfer is "
                    "unsettled, so a reviewer decides."
                ),
                "source": {"citation": f"{MY_PDPA}, s.129, {MY_AMENDED}", "url": MY_URL},
            },
            {
                "code": "my.policy.foreign_authority_other_data",
                "priority": 11,
                "title": "Other data to a foreign authority or a restricted recipient (policy)",
                "when": {"all": [NOT_PERSONAL, AUTHORITY_OR_RESTRICTED]},
                "outcome": _outcome("manual_review", terminal=False),
                "explanation": (
                    "Exchange policy, not the PDPA: no personal data is transferred, and the "
                    "PDPA (ss.2, 4, 129) does not restrict it. The exchange is a commercial "
                    "channel, not one for requests of foreign authorities, so a reviewer looks "
                    "at any transfer to a foreign judicial or law-enforcement body, or to a "
                    "restricted recipient, whatever the data."
                ),
                "source": {
                    "citation": (
                        f"Exchange policy (docs/domain.md, foreign authorities); {MY_PDPA}, "
                        "ss.2, 4 and 129 (personal data only)"
                    ),
                    "url": MY_URL,
                },
            },
            {
                "code": "my.allow.non_personal",
                "priority": 20,
                "title": "No personal data",
                "when": NOT_PERSONAL,
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "No personal data is transferred. The PDPA and its transfer restriction in "
                    "s.129 apply to personal data only."
                ),
                "source": {"citation": f"{MY_PDPA}, ss.2, 4 and 129", "url": MY_URL},
            },
            {
                "code": "my.mechanism.section_129",
                "priority": 30,
                "title": "Personal data leaving Malaysia: s.129(2) assessment or s.129(3) exception",
                "when": PERSONAL,
                "outcome": _outcome(
                    "allow_with_mechanism",
                    mechanisms=["my_transfer_impact_assessment", "my_s129_exception"],
                    terminal=False,
                ),
                "explanation": (
                    "Personal data may be transferred out of Malaysia where the destination has "
                    "in force a law substantially similar to the PDPA, or ensures a level of "
                    "protection at least equivalent to it (s.129(2)), as established by the "
                    "exporter's transfer impact assessment, whose findings the Commissioner's "
                    "guideline treats as valid for three years; otherwise only under a s.129(3) "
                    "exception: consent, a contract with or at the request of the data subject, "
                    "legal proceedings, vital interests, or reasonable precautions and due "
                    "diligence such as binding corporate rules, contractual clauses or "
                    "certification."
                ),
                "source": {
                    "citation": (
                        f"{MY_PDPA}, s.129(2)-(3), {MY_AMENDED} (in force 1 April 2025); "
                        "Personal Data Protection Guideline: Cross Border Personal Data "
                        "Transfer, Personal Data Protection Commissioner, 29 April 2025"
                    ),
                    "url": MY_URL,
                },
            },
            {
                "code": "my.obligation.data_protection_officer",
                "priority": 40,
                "title": "Controller over the DPO thresholds, or monitoring systematically",
                "when": {
                    "all": [
                        PERSONAL,
                        {
                            "any": [
                                {"fact": "controller_subjects", "op": "gt", "value": 20000},
                                {
                                    "fact": "controller_sensitive_subjects",
                                    "op": "gt",
                                    "value": 10000,
                                },
                                {"fact": "systematic_monitoring", "op": "is_true"},
                            ]
                        },
                    ]
                },
                "outcome": _outcome("allow", obligations=["my_dpo_required"], terminal=False),
                "explanation": (
                    "The controller must appoint a data protection officer and notify the "
                    "Commissioner (s.12A, in force 1 June 2025) when its processing covers "
                    "more than 20,000 data subjects, or more than 10,000 data subjects of "
                    "sensitive personal data, financial information included, or involves "
                    "regular and systematic monitoring of data subjects. The DPO guideline "
                    "judges this on all of the controller's processing, not on one transfer: "
                    "controller_subjects, controller_sensitive_subjects and "
                    "systematic_monitoring describe it; 'more than' means exactly 20,000 or "
                    "10,000 do not trigger it."
                ),
                "source": {
                    "citation": (
                        f"{MY_PDPA}, s.12A, {MY_AMENDED}; Personal Data Protection Guideline: "
                        "Appointment of Data Protection Officer, Personal Data Protection "
                        "Commissioner, 2025"
                    ),
                    "url": MY_URL,
                },
            },
        ],
    },
    {
        "jurisdiction": "SG",
        "version": "2026.1",
        "effective_from": "2026-03-02",
        "effective_to": None,
        "title": (
            "Singapore: the Transfer Limitation Obligation (PDPA s.26; PDP Regulations 2021 "
            "regs 10-12 as amended by S 86/2026: Global CBPR / PRP certifications)"
        ),
        "sources": [
            SG_PDPA,
            {"citation": f"{SG_REGS}, Part 3, regs 9-12", "url": SG_REGS_URL},
            {
                "citation": (
                    "Personal Data Protection (Amendment) Regulations 2026 (S 86/2026), "
                    "amending reg. 12 (specified certifications), in force 2 March 2026"
                ),
                "url": "https://sso.agc.gov.sg/",
            },
            {
                "citation": (
                    "PDPC, Advisory Guidelines on Key Concepts in the PDPA, Transfer Limitation "
                    "Obligation"
                ),
                "url": "https://www.pdpc.gov.sg/",
            },
        ],
        "rules": [
            {
                "code": "sg.review.foreign_authority_personal_data",
                "priority": 10,
                "title": "Personal data to a foreign authority or a restricted recipient (PDPA)",
                "when": {"all": [PERSONAL, AUTHORITY_OR_RESTRICTED]},
                "outcome": _outcome("manual_review", terminal=False),
                "explanation": (
                    "Law: personal data is to go to a foreign judicial or law-enforcement body, "
                    "or to a recipient on a restricted list. Section 26 and regs 10-12 do not "
                    "deal specifically with disclosure to foreign authorities; whether it can "
                    "rest on an exception or on comparable-protection obligations is unsettled, "
                    "so a reviewer decides."
                ),
                "source": {
                    "citation": f"Personal Data Protection Act 2012 (Singapore), s.26; {SG_REGS}, "
                    "reg. 10",
                    "url": "https://sso.agc.gov.sg/Act/PDPA2012",
                },
            },
            {
                "code": "sg.policy.foreign_authority_other_data",
                "priority": 11,
                "title": "Other data to a foreign authority or a restricted recipient (policy)",
                "when": {"all": [NOT_PERSONAL, AUTHORITY_OR_RESTRICTED]},
                "outcome": _outcome("manual_review", terminal=False),
                "explanation": (
                    "Exchange policy, not the PDPA: no personal data is transferred, and s.26 "
                    "does not restrict it. The exchange is a commercial channel, not one for "
                    "requests of foreign authorities, so a reviewer looks at any transfer to a "
                    "foreign judicial or law-enforcement body, or to a restricted recipient, "
                    "whatever the data."
                ),
                "source": {
                    "citation": (
                        "Exchange policy (docs/domain.md, foreign authorities); Personal Data "
                        "Protection Act 2012 (Singapore), s.26 (personal data only)"
                    ),
                    "url": "https://sso.agc.gov.sg/Act/PDPA2012",
                },
            },
            {
                "code": "sg.allow.non_personal",
                "priority": 20,
                "title": "No personal data",
                "when": NOT_PERSONAL,
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "No personal data is transferred; the Transfer Limitation Obligation in s.26 "
                    "applies to personal data only."
                ),
                "source": SG_PDPA,
            },
            {
                "code": "sg.deemed.data_in_transit",
                "priority": 25,
                "title": "Personal data in transit through Singapore",
                "when": {
                    "all": [
                        PERSONAL,
                        {"fact": "exemptions", "op": "contains", "value": "data_in_transit"},
                    ]
                },
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "The exporter declares that the personal data is data in transit: it only "
                    "passes through Singapore on its way to another country. The transferring "
                    "organisation is then taken to have met the comparable-protection "
                    "requirement (reg. 10(2)); the declaration is checked in the legal review."
                ),
                "source": {"citation": f"{SG_REGS}, reg. 10(2)", "url": SG_REGS_URL},
            },
            {
                "code": "sg.deemed.publicly_available",
                "priority": 26,
                "title": "Personal data publicly available in Singapore",
                "when": {
                    "all": [
                        PERSONAL,
                        {"fact": "exemptions", "op": "contains", "value": "publicly_available"},
                    ]
                },
                "outcome": _outcome("allow", terminal=True),
                "explanation": (
                    "The exporter declares that the personal data is publicly available in "
                    "Singapore. The transferring organisation is then taken to have met the "
                    "comparable-protection requirement (reg. 10(2)); the declaration is checked "
                    "in the legal review."
                ),
                "source": {"citation": f"{SG_REGS}, reg. 10(2)", "url": SG_REGS_URL},
            },
            {
                "code": "sg.mechanism.comparable_protection",
                "priority": 30,
                "title": "Legally enforceable obligations or a specified certification",
                "when": PERSONAL,
                "outcome": _outcome(
                    "allow_with_mechanism",
                    mechanisms=["sg_enforceable_obligations", "sg_specified_certification"],
                    terminal=True,
                ),
                "explanation": (
                    "Before personal data leaves Singapore the organisation must ensure the "
                    "recipient is bound by legally enforceable obligations to give it protection "
                    "at least comparable to the PDPA (law, a contract that names the "
                    "destinations, binding corporate rules or another binding instrument; "
                    "reg. 11), or holds a specified certification (reg. 12): APEC CBPR, or APEC "
                    "PRP for a data intermediary, and from 2 March 2026 (S 86/2026) Global "
                    "CBPR or Global PRP as well. Reg. 10(2) also accepts, among others, the "
                    "individual's consent after a reasonable written summary of the protection "
                    "abroad."
                ),
                "source": {
                    "citation": (
                        f"Personal Data Protection Act 2012 (Singapore), s.26; {SG_REGS}, regs "
                        "10-12, reg. 12 as amended by S 86/2026"
                    ),
                    "url": SG_REGS_URL,
                },
            },
        ],
    },
]

#: The version each new one replaces: its ``effective_to`` becomes the new ``effective_from``.
REPLACES = {("CN", "2026.1"): "2024.1", ("MY", "2026.1"): "2025.2", ("SG", "2026.1"): "2021.1"}


def rule_sets():
    """Fresh deep copies of ``RULE_SETS``, safe to mutate."""
    return copy.deepcopy(RULE_SETS)


def seed(apps, schema_editor):
    RuleSet = apps.get_model("transfer_rules", "RuleSet")
    Rule = apps.get_model("transfer_rules", "Rule")
    now = timezone.now()
    for data in RULE_SETS:
        key = (data["jurisdiction"], data["version"])
        previous = RuleSet.objects.filter(
            jurisdiction=data["jurisdiction"], version=REPLACES[key]
        ).first()
        if previous is not None and previous.effective_to is None:
            previous.effective_to = data["effective_from"]
            previous.save(update_fields=["effective_to"])
        if RuleSet.objects.filter(jurisdiction=key[0], version=key[1]).exists():
            continue
        rule_set = RuleSet.objects.create(
            jurisdiction=data["jurisdiction"],
            version=data["version"],
            title=data["title"],
            effective_from=data["effective_from"],
            effective_to=data["effective_to"],
            status="in_force",
            sources=copy.deepcopy(data["sources"]),
            notes="Published by the rule-set migration 0003_rule_sets_2026.",
            based_on=previous,
            published_at=now,
        )
        Rule.objects.bulk_create(
            Rule(
                rule_set=rule_set,
                code=rule["code"],
                priority=rule["priority"],
                title=rule["title"],
                when=copy.deepcopy(rule["when"]),
                outcome=copy.deepcopy(rule["outcome"]),
                explanation=rule["explanation"],
                source=copy.deepcopy(rule["source"]),
            )
            for rule in data["rules"]
        )


def unseed(apps, schema_editor):
    RuleSet = apps.get_model("transfer_rules", "RuleSet")
    for data in RULE_SETS:
        key = (data["jurisdiction"], data["version"])
        RuleSet.objects.filter(jurisdiction=key[0], version=key[1]).delete()
        RuleSet.objects.filter(
            jurisdiction=key[0], version=REPLACES[key], effective_to=data["effective_from"]
        ).update(effective_to=None, status="in_force")


class Migration(migrations.Migration):
    dependencies = [("transfer_rules", "0002_seed_rule_sets")]

    operations = [migrations.RunPython(seed, unseed)]
