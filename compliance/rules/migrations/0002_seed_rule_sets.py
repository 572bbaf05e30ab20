"""Publishes the first transfer rule sets: China 2024.1, Malaysia 2025.1 and 2025.2, Singapore
2021.1 and Vietnam 2026.1, in force with their effective dates and legal sources.

A rule set in force is never edited. What the exchange assessed a transfer against must stay
what it was, so this migration carries its own frozen copy of the data it publishes
(``RULE_SETS`` below) and imports nothing from the application: a fresh install gets exactly
the rows every existing install already has, whatever the code does later. The ``notes`` text
("Seeded from compliance.rules.seed.") is part of those rows and names the module the data was
frozen from; that module no longer exists.

Do not edit ``RULE_SETS``. A change in the law is a new rule-set version, with its own
version number, effective date and sources, published by a new migration (``0003_...``,
``0004_...``) that

* depends on the latest rule-set migration,
* creates the new ``RuleSet`` (status ``in_force``, ``effective_from`` the date the new rules
  apply, ``based_on`` the version it replaces) and its ``Rule`` rows from data written inline
  in that migration, in the same shape as ``RULE_SETS``, and
* sets the previous version's ``effective_to`` to the new version's ``effective_from``
  (exclusive), so that assessments dated before the change still use the old rules (what
  ``compliance.rules.services.rule_set_publish`` does when a draft is published),

and whose reverse operation deletes the new version and clears that ``effective_to`` again.
Malaysia's two versions below show the pair: 2025.1 runs to 2025-06-01, when 2025.2 begins.
Drafts made in the admin go through ``compliance.rules.services`` instead; a migration is how
a version reaches every install.

:func:`seed` is idempotent (a set already there is left alone), so tests that emptied the
tables can call it again; :func:`rule_sets` gives tests fresh copies of the frozen data, in
the shape ``compliance.rules.engine`` evaluates.
"""

import copy

from django.db import migrations
from django.utils import timezone

# The data this migration publishes, frozen: never edit it (see the module docstring).
RULE_SETS = [
    {
        "jurisdiction": "CN",
        "version": "2024.1",
        "effective_from": "2024-03-22",
        "effective_to": None,
        "title": (
            "China: outbound data transfers under the PIPL, the Data Security Law and "
            "the 2024 Provisions on Promoting and Regulating Cross-Border Data Flows"
        ),
        "sources": [
            {
                "citation": (
                    "Provisions on Promoting and Regulating Cross-Border Data Flows "
                    "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Arts. 1-14"
                ),
                "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
            },
            {
                "citation": (
                    "Personal Information Protection Law of the PRC (个人信息保护法), Arts. 38-43, 55-56"
                ),
                "url": "https://www.cac.gov.cn/2021-08/20/c_1631050028355286.htm",
            },
            {
                "citation": "Data Security Law of the PRC (数据安全法), Art. 36",
                "url": "https://www.npc.gov.cn/",
            },
        ],
        "rules": [
            {
                "code": "cn.block.foreign_judicial_or_law_enforcement",
                "priority": 10,
                "title": "Recipient is a foreign judicial or law-enforcement body",
                "when": {
                    "fact": "recipient_type",
                    "op": "in",
                    "value": ["judicial", "law_enforcement"],
                },
                "outcome": {
                    "decision": "block",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body. Data stored in "
                    "China may not be provided to such a body without the approval of the "
                    "competent PRC authorities (DSL Art. 36; for personal information PIPL Art. "
                    "41). The exchange is not a channel for such requests, so the transfer is "
                    "blocked."
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
                "outcome": {
                    "decision": "block",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The recipient is on a restricted list. The national cyberspace authority "
                    "may list foreign organisations and individuals to which the provision of "
                    "personal information is restricted or prohibited (PIPL Art. 42); the "
                    "exchange does not transfer any data to a listed recipient."
                ),
                "source": {
                    "citation": "Personal Information Protection Law of the PRC (个人信息保护法), Art. 42",
                    "url": "https://www.cac.gov.cn/2021-08/20/c_1631050028355286.htm",
                },
            },
            {
                "code": "cn.obligations.personal_information_export",
                "priority": 20,
                "title": "Separate consent and PI impact assessment for non-exempt PI exports",
                "when": {
                    "all": [
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                        {
                            "not": {
                                "all": [
                                    {
                                        "fact": "exemptions",
                                        "op": "contains_any",
                                        "value": [
                                            "contract_with_individual",
                                            "hr_management",
                                            "emergency",
                                            "free_trade_zone",
                                        ],
                                    },
                                    {"fact": "important_data", "op": "is_false"},
                                ]
                            }
                        },
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": ["cn_separate_consent", "cn_pi_impact_assessment"],
                    "terminal": False,
                },
                "explanation": (
                    "Personal information is exported and no exemption of Arts. 3-6 of the 2024 "
                    "Provisions applies: the individuals' separate consent (PIPL Art. 39) and a "
                    "personal information protection impact assessment kept for at least three "
                    "years (PIPL Arts. 55-56) are required. This deliberately includes exports "
                    "below 100,000 individuals: Art. 5(4) of the Provisions frees them from the "
                    "security assessment, the standard contract and certification, not from the "
                    "PIPL, so the stricter reading is applied."
                ),
                "source": {
                    "citation": (
                        "Personal Information Protection Law of the PRC (个人信息保护法), Arts. 39, 55-56"
                    ),
                    "url": "https://www.cac.gov.cn/2021-08/20/c_1631050028355286.htm",
                },
            },
            {
                "code": "cn.assessment.important_data",
                "priority": 30,
                "title": "Important data requires the CAC security assessment",
                "when": {"fact": "important_data", "op": "is_true"},
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["cn_security_assessment"],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The data includes important data (notified or publicly designated as such "
                    "by the competent departments or regions, Art. 2). Providing important data "
                    "abroad requires the CAC data export security assessment whatever the "
                    "volume, and no exemption of Arts. 3-6 applies (Art. 7). An assessment "
                    "result is valid for three years (Art. 9)."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Arts. 2, 7, 9"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.exempt.no_personal_information_or_important_data",
                "priority": 40,
                "title": "No personal information and no important data",
                "when": {
                    "all": [
                        {
                            "not": {
                                "fact": "data_categories",
                                "op": "contains_any",
                                "value": ["personal", "sensitive_personal"],
                            }
                        },
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The data contains neither personal information nor important data (for "
                    "example trade, transport, manufacturing or academic data): exempt from the "
                    "security assessment, the standard contract and certification (Art. 3)."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 3"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.exempt.contract_with_individual",
                "priority": 41,
                "title": "Necessary to conclude or perform a contract with the individual",
                "when": {
                    "all": [
                        {
                            "fact": "exemptions",
                            "op": "contains",
                            "value": "contract_with_individual",
                        },
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The exporter declares the export truly necessary to conclude or perform a "
                    "contract to which the individual is a party (cross-border shopping, "
                    "delivery, payment, account opening, travel booking, visa processing and the "
                    "like) (Art. 5(1)). The exemption frees the export from the security "
                    "assessment, the standard contract and certification, also for a CIIO; it "
                    "does not apply where important data is involved (that still needs the "
                    "security assessment). The exemption is the exporter's declaration; its "
                    "evidence is checked in the legal review."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 5(1)"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.exempt.hr_management",
                "priority": 42,
                "title": "Necessary for cross-border human-resources management",
                "when": {
                    "all": [
                        {"fact": "exemptions", "op": "contains", "value": "hr_management"},
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The exporter declares the export of employees' personal information truly "
                    "necessary for cross-border human-resources management under lawfully made "
                    "labour rules and collective contracts (Art. 5(2)). The exemption frees the "
                    "export from the security assessment, the standard contract and "
                    "certification, also for a CIIO; it does not apply where important data is "
                    "involved (that still needs the security assessment). The exemption is the "
                    "exporter's declaration; its evidence is checked in the legal review."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 5(2)"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.exempt.emergency",
                "priority": 43,
                "title": "Necessary to protect life, health or property in an emergency",
                "when": {
                    "all": [
                        {"fact": "exemptions", "op": "contains", "value": "emergency"},
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The exporter declares the export truly necessary to protect an individual's "
                    "life, health or property in an emergency (Art. 5(3)). The exemption frees "
                    "the export from the security assessment, the standard contract and "
                    "certification, also for a CIIO; it does not apply where important data is "
                    "involved (that still needs the security assessment). The exemption is the "
                    "exporter's declaration; its evidence is checked in the legal review."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 5(3)"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.exempt.free_trade_zone",
                "priority": 44,
                "title": "Free-trade-zone exporter, data outside the zone's negative list",
                "when": {
                    "all": [
                        {"fact": "exemptions", "op": "contains", "value": "free_trade_zone"},
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The exporter is in a pilot free trade zone and declares that the data is "
                    "not on the zone's negative list (Art. 6). The exemption frees the export "
                    "from the security assessment, the standard contract and certification, also "
                    "for a CIIO; it does not apply where important data is involved (that still "
                    "needs the security assessment). The exemption is the exporter's "
                    "declaration; its evidence is checked in the legal review."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 6"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.assessment.ciio_personal_information",
                "priority": 50,
                "title": "CIIO exporting personal information",
                "when": {
                    "all": [
                        {"fact": "exporter_ciio", "op": "is_true"},
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                    ]
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["cn_security_assessment"],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "The exporter is a critical information infrastructure operator providing "
                    "personal information abroad without an applicable exemption: the CAC "
                    "security assessment is required whatever the volume (Art. 7(1)); the "
                    "volume-based routes of Arts. 5(4) and 8 are open only to exporters other "
                    "than CIIOs."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Arts. 7(1), 9"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.assessment.volume_threshold",
                "priority": 60,
                "title": "1,000,000+ individuals or 10,000+ sensitive since 1 January",
                "when": {
                    "all": [
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                        {"fact": "exporter_ciio", "op": "is_false"},
                        {"fact": "important_data", "op": "is_false"},
                        {
                            "any": [
                                {"fact": "subjects_ytd", "op": "gte", "value": 1000000},
                                {"fact": "sensitive_subjects_ytd", "op": "gte", "value": 10000},
                            ]
                        },
                    ]
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["cn_security_assessment"],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Since 1 January the exporter has provided abroad personal information of "
                    "1,000,000 or more individuals, or sensitive personal information of 10,000 "
                    "or more individuals (this transfer included; '以上' in the Chinese text "
                    "includes the number itself): the CAC security assessment is required (Art. "
                    "7(2)) and is valid for three years (Art. 9). subjects_ytd counts every "
                    "individual, sensitive ones included, and is compared with the 1,000,000 "
                    "threshold as is."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Arts. 7(2), 9"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.standard_contract.volume_threshold",
                "priority": 61,
                "title": "100,000-999,999 individuals or 1-9,999 sensitive since 1 January",
                "when": {
                    "all": [
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                        {"fact": "exporter_ciio", "op": "is_false"},
                        {"fact": "important_data", "op": "is_false"},
                        {
                            "any": [
                                {
                                    "fact": "subjects_ytd",
                                    "op": "between",
                                    "value": [100000, 999999],
                                },
                                {
                                    "fact": "sensitive_subjects_ytd",
                                    "op": "between",
                                    "value": [1, 9999],
                                },
                            ]
                        },
                    ]
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["cn_standard_contract", "cn_certification"],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Since 1 January the exporter has provided abroad personal information of "
                    "100,000 to 999,999 individuals, or sensitive personal information of 1 to "
                    "9,999 individuals (this transfer included): a standard contract for the "
                    "export of personal information, filed with the provincial cyberspace "
                    "administration within 10 working days of taking effect, or personal "
                    "information protection certification is required (Art. 8)."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 8"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
            {
                "code": "cn.no_mechanism.below_threshold",
                "priority": 62,
                "title": "Fewer than 100,000 individuals, no sensitive, no important data",
                "when": {
                    "all": [
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                        {"fact": "exporter_ciio", "op": "is_false"},
                        {"fact": "important_data", "op": "is_false"},
                        {"fact": "subjects_ytd", "op": "lt", "value": 100000},
                        {"fact": "sensitive_subjects_ytd", "op": "eq", "value": 0},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Since 1 January the exporter (not a CIIO) has provided abroad personal "
                    "information of fewer than 100,000 individuals and no sensitive personal "
                    "information, and no important data is involved: no security assessment, "
                    "standard contract or certification is needed (Art. 5(4)). The PIPL duties "
                    "of separate consent and a PI impact assessment still apply "
                    "(cn.obligations.personal_information_export)."
                ),
                "source": {
                    "citation": (
                        "Provisions on Promoting and Regulating Cross-Border Data Flows "
                        "(促进和规范数据跨境流动规定), CAC Order No. 16 of 22 March 2024, Art. 5(4)"
                    ),
                    "url": "https://www.cac.gov.cn/2024-03/22/c_1712776611775634.htm",
                },
            },
        ],
    },
    {
        "jurisdiction": "MY",
        "version": "2025.1",
        "effective_from": "2025-04-01",
        "effective_to": "2025-06-01",
        "title": (
            "Malaysia: transfers of personal data out of Malaysia (PDPA 2010 s.129 as "
            "amended in 2024), before the DPO duty took effect"
        ),
        "sources": [
            {
                "citation": (
                    "Personal Data Protection Act 2010 (Act 709), s.129, as amended by the "
                    "Personal Data Protection (Amendment) Act 2024 (Act A1727)"
                ),
                "url": "https://www.pdp.gov.my/",
            },
            {
                "citation": (
                    "Personal Data Protection Guideline: Cross Border Personal Data Transfer, "
                    "Personal Data Protection Commissioner, 29 April 2025"
                ),
                "url": "https://www.pdp.gov.my/",
            },
        ],
        "rules": [
            {
                "code": "my.review.foreign_authority_or_restricted_recipient",
                "priority": 10,
                "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
                "when": {
                    "any": [
                        {
                            "fact": "recipient_type",
                            "op": "in",
                            "value": ["judicial", "law_enforcement"],
                        },
                        {"fact": "recipient_restricted", "op": "is_true"},
                    ]
                },
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": False,
                },
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body, or is on a "
                    "restricted list. Section 129 does not deal specifically with providing "
                    "personal data to foreign authorities; whether an exception such as legal "
                    "proceedings in s.129(3) covers the transfer is unsettled, so a reviewer "
                    "decides."
                ),
                "source": {
                    "citation": (
                        "Personal Data Protection Act 2010 (Act 709), s.129, as amended by the "
                        "Personal Data Protection (Amendment) Act 2024 (Act A1727)"
                    ),
                    "url": "https://www.pdp.gov.my/",
                },
            },
            {
                "code": "my.allow.non_personal",
                "priority": 20,
                "title": "No personal data",
                "when": {
                    "not": {
                        "fact": "data_categories",
                        "op": "contains_any",
                        "value": ["personal", "sensitive_personal"],
                    }
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "No personal data is transferred. The PDPA and its transfer restriction in "
                    "s.129 apply to personal data only."
                ),
                "source": {
                    "citation": "Personal Data Protection Act 2010 (Act 709), ss.2, 4 and 129",
                    "url": "https://www.pdp.gov.my/",
                },
            },
            {
                "code": "my.mechanism.section_129",
                "priority": 30,
                "title": (
                    "Personal data leaving Malaysia: s.129(2) assessment or s.129(3) exception"
                ),
                "when": {
                    "fact": "data_categories",
                    "op": "contains_any",
                    "value": ["personal", "sensitive_personal"],
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["my_transfer_impact_assessment", "my_s129_exception"],
                    "obligations": [],
                    "terminal": False,
                },
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
                        "Personal Data Protection Act 2010 (Act 709), s.129(2)-(3), as amended by "
                        "the Personal Data Protection (Amendment) Act 2024 (Act A1727) (in force 1 "
                        "April 2025); Personal Data Protection Guideline: Cross Border Personal Data "
                        "Transfer, Personal Data Protection Commissioner, 29 April 2025"
                    ),
                    "url": "https://www.pdp.gov.my/",
                },
            },
        ],
    },
    {
        "jurisdiction": "MY",
        "version": "2025.2",
        "effective_from": "2025-06-01",
        "effective_to": None,
        "title": (
            "Malaysia: transfers of personal data out of Malaysia (PDPA 2010 s.129 as "
            "amended in 2024), with the data protection officer duty (s.12A)"
        ),
        "sources": [
            {
                "citation": (
                    "Personal Data Protection Act 2010 (Act 709), s.129, as amended by the "
                    "Personal Data Protection (Amendment) Act 2024 (Act A1727)"
                ),
                "url": "https://www.pdp.gov.my/",
            },
            {
                "citation": (
                    "Personal Data Protection Guideline: Cross Border Personal Data Transfer, "
                    "Personal Data Protection Commissioner, 29 April 2025"
                ),
                "url": "https://www.pdp.gov.my/",
            },
            {
                "citation": (
                    "Personal Data Protection Act 2010 (Act 709), s.12A; Personal Data "
                    "Protection Guideline: Appointment of Data Protection Officer, Personal Data "
                    "Protection Commissioner, 2025"
                ),
                "url": "https://www.pdp.gov.my/",
            },
        ],
        "rules": [
            {
                "code": "my.review.foreign_authority_or_restricted_recipient",
                "priority": 10,
                "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
                "when": {
                    "any": [
                        {
                            "fact": "recipient_type",
                            "op": "in",
                            "value": ["judicial", "law_enforcement"],
                        },
                        {"fact": "recipient_restricted", "op": "is_true"},
                    ]
                },
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": False,
                },
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body, or is on a "
                    "restricted list. Section 129 does not deal specifically with providing "
                    "personal data to foreign authorities; whether an exception such as legal "
                    "proceedings in s.129(3) covers the transfer is unsettled, so a reviewer "
                    "decides."
                ),
                "source": {
                    "citation": (
                        "Personal Data Protection Act 2010 (Act 709), s.129, as amended by the "
                        "Personal Data Protection (Amendment) Act 2024 (Act A1727)"
                    ),
                    "url": "https://www.pdp.gov.my/",
                },
            },
            {
                "code": "my.allow.non_personal",
                "priority": 20,
                "title": "No personal data",
                "when": {
                    "not": {
                        "fact": "data_categories",
                        "op": "contains_any",
                        "value": ["personal", "sensitive_personal"],
                    }
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "No personal data is transferred. The PDPA and its transfer restriction in "
                    "s.129 apply to personal data only."
                ),
                "source": {
                    "citation": "Personal Data Protection Act 2010 (Act 709), ss.2, 4 and 129",
                    "url": "https://www.pdp.gov.my/",
                },
            },
            {
                "code": "my.mechanism.section_129",
                "priority": 30,
                "title": (
                    "Personal data leaving Malaysia: s.129(2) assessment or s.129(3) exception"
                ),
                "when": {
                    "fact": "data_categories",
                    "op": "contains_any",
                    "value": ["personal", "sensitive_personal"],
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["my_transfer_impact_assessment", "my_s129_exception"],
                    "obligations": [],
                    "terminal": False,
                },
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
                        "Personal Data Protection Act 2010 (Act 709), s.129(2)-(3), as amended by "
                        "the Personal Data Protection (Amendment) Act 2024 (Act A1727) (in force 1 "
                        "April 2025); Personal Data Protection Guideline: Cross Border Personal Data "
                        "Transfer, Personal Data Protection Commissioner, 29 April 2025"
                    ),
                    "url": "https://www.pdp.gov.my/",
                },
            },
            {
                "code": "my.obligation.data_protection_officer",
                "priority": 40,
                "title": "More than 20,000 data subjects, or more than 10,000 sensitive",
                "when": {
                    "all": [
                        {
                            "fact": "data_categories",
                            "op": "contains_any",
                            "value": ["personal", "sensitive_personal"],
                        },
                        {
                            "any": [
                                {"fact": "subjects_ytd", "op": "gt", "value": 20000},
                                {"fact": "sensitive_subjects_ytd", "op": "gt", "value": 10000},
                            ]
                        },
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": ["my_dpo_required"],
                    "terminal": False,
                },
                "explanation": (
                    "More than 20,000 data subjects, or more than 10,000 data subjects of "
                    "sensitive personal data: the data controller must appoint a data protection "
                    "officer and notify the Commissioner (s.12A, in force 1 June 2025). The "
                    "guideline's thresholds are 'more than', so exactly 20,000 or 10,000 do not "
                    "trigger it. They count every data subject the controller processes; "
                    "subjects_ytd counts exports only and so is a lower bound, and the "
                    "compliance stage checks the provider's DPO as a whole."
                ),
                "source": {
                    "citation": (
                        "Personal Data Protection Act 2010 (Act 709), s.12A, as amended by the "
                        "Personal Data Protection (Amendment) Act 2024 (Act A1727); Personal Data "
                        "Protection Guideline: Appointment of Data Protection Officer, Personal Data "
                        "Protection Commissioner, 2025"
                    ),
                    "url": "https://www.pdp.gov.my/",
                },
            },
        ],
    },
    {
        "jurisdiction": "SG",
        "version": "2021.1",
        "effective_from": "2021-02-01",
        "effective_to": None,
        "title": (
            "Singapore: the Transfer Limitation Obligation (PDPA s.26; PDP Regulations "
            "2021 regs 10-12)"
        ),
        "sources": [
            {
                "citation": "Personal Data Protection Act 2012 (Singapore), s.26",
                "url": "https://sso.agc.gov.sg/Act/PDPA2012",
            },
            {
                "citation": (
                    "Personal Data Protection Regulations 2021 (S 63/2021), Part 3, regs 9-12"
                ),
                "url": "https://sso.agc.gov.sg/SL/PDPA2012-S63-2021",
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
                "code": "sg.review.foreign_authority_or_restricted_recipient",
                "priority": 10,
                "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
                "when": {
                    "any": [
                        {
                            "fact": "recipient_type",
                            "op": "in",
                            "value": ["judicial", "law_enforcement"],
                        },
                        {"fact": "recipient_restricted", "op": "is_true"},
                    ]
                },
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": False,
                },
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body, or is on a "
                    "restricted list. Section 26 and regs 10-12 do not deal specifically with "
                    "disclosure to foreign authorities; whether it can rest on an exception or "
                    "on comparable-protection obligations is unsettled, so a reviewer decides."
                ),
                "source": {
                    "citation": (
                        "Personal Data Protection Act 2012 (Singapore), s.26; Personal Data "
                        "Protection Regulations 2021 (S 63/2021), reg. 10"
                    ),
                    "url": "https://sso.agc.gov.sg/Act/PDPA2012",
                },
            },
            {
                "code": "sg.allow.non_personal",
                "priority": 20,
                "title": "No personal data",
                "when": {
                    "not": {
                        "fact": "data_categories",
                        "op": "contains_any",
                        "value": ["personal", "sensitive_personal"],
                    }
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "No personal data is transferred; the Transfer Limitation Obligation in s.26 "
                    "applies to personal data only."
                ),
                "source": {
                    "citation": "Personal Data Protection Act 2012 (Singapore), s.26",
                    "url": "https://sso.agc.gov.sg/Act/PDPA2012",
                },
            },
            {
                "code": "sg.mechanism.comparable_protection",
                "priority": 30,
                "title": "Recipient bound by legally enforceable obligations",
                "when": {
                    "fact": "data_categories",
                    "op": "contains_any",
                    "value": ["personal", "sensitive_personal"],
                },
                "outcome": {
                    "decision": "allow_with_mechanism",
                    "mechanisms_any_of": ["sg_enforceable_obligations"],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Before personal data leaves Singapore the organisation must ensure the "
                    "recipient is bound by legally enforceable obligations to give it protection "
                    "at least comparable to the PDPA: law, a contract that names the destination "
                    "countries and territories, binding corporate rules, another legally binding "
                    "instrument, or a specified certification (APEC or Global CBPR; PRP for data "
                    "intermediaries); reg. 10(2) also accepts, among others, the individual's "
                    "consent after a reasonable written summary of the protection abroad."
                ),
                "source": {
                    "citation": (
                        "Personal Data Protection Act 2012 (Singapore), s.26; Personal Data "
                        "Protection Regulations 2021 (S 63/2021), regs 10-12"
                    ),
                    "url": "https://sso.agc.gov.sg/SL/PDPA2012-S63-2021",
                },
            },
        ],
    },
    {
        "jurisdiction": "VN",
        "version": "2026.1",
        "effective_from": "2026-01-01",
        "effective_to": None,
        "title": (
            "Vietnam: Vietnamese-origin personal data under the Law on Personal Data "
            "Protection and Decree 356/2025 (from 1 January 2026)"
        ),
        "sources": [
            {
                "citation": (
                    "Law on Personal Data Protection No. 91/2025/QH15 (in force 1 January 2026)"
                ),
                "url": "https://vanban.chinhphu.vn/",
            },
            {
                "citation": (
                    "Decree No. 356/2025/ND-CP detailing the Law on Personal Data Protection"
                ),
                "url": "https://vanban.chinhphu.vn/",
            },
            {
                "citation": "Law on Data No. 60/2024/QH15 (in force 1 July 2025)",
                "url": "https://vanban.chinhphu.vn/",
            },
        ],
        "rules": [
            {
                "code": "vn.review.foreign_authority_or_restricted_recipient",
                "priority": 10,
                "title": "Recipient is a foreign judicial or law-enforcement body, or restricted",
                "when": {
                    "any": [
                        {
                            "fact": "recipient_type",
                            "op": "in",
                            "value": ["judicial", "law_enforcement"],
                        },
                        {"fact": "recipient_restricted", "op": "is_true"},
                    ]
                },
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": False,
                },
                "explanation": (
                    "The recipient is a foreign judicial or law-enforcement body, or is on a "
                    "restricted list; the Vietnamese rules on providing data to foreign "
                    "authorities are unsettled for the exchange, so a reviewer decides."
                ),
                "source": {
                    "citation": (
                        "Law on Personal Data Protection No. 91/2025/QH15 (in force 1 January 2026); "
                        "Law on Data No. 60/2024/QH15 (in force 1 July 2025)"
                    ),
                    "url": "https://vanban.chinhphu.vn/",
                },
            },
            {
                "code": "vn.review.important_data",
                "priority": 20,
                "title": "Important data",
                "when": {"fact": "important_data", "op": "is_true"},
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": False,
                },
                "explanation": (
                    "The data is designated important data. The Law on Data regulates the "
                    "cross-border transfer of important and core data separately from personal "
                    "data; the exchange has no automated rule for it, so a reviewer decides."
                ),
                "source": {
                    "citation": "Law on Data No. 60/2024/QH15 (in force 1 July 2025)",
                    "url": "https://vanban.chinhphu.vn/",
                },
            },
            {
                "code": "vn.allow.non_personal",
                "priority": 30,
                "title": "No personal data and no important data",
                "when": {
                    "all": [
                        {
                            "not": {
                                "fact": "data_categories",
                                "op": "contains_any",
                                "value": ["personal", "sensitive_personal"],
                            }
                        },
                        {"fact": "important_data", "op": "is_false"},
                    ]
                },
                "outcome": {
                    "decision": "allow",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Neither personal data nor important data is transferred; the personal data "
                    "protection law does not restrict the transfer."
                ),
                "source": {
                    "citation": (
                        "Law on Personal Data Protection No. 91/2025/QH15 (in force 1 January 2026)"
                    ),
                    "url": "https://vanban.chinhphu.vn/",
                },
            },
            {
                "code": "vn.review.personal_data",
                "priority": 40,
                "title": "Vietnamese-origin personal data",
                "when": {
                    "fact": "data_categories",
                    "op": "contains_any",
                    "value": ["personal", "sensitive_personal"],
                },
                "outcome": {
                    "decision": "manual_review",
                    "mechanisms_any_of": [],
                    "obligations": [],
                    "terminal": True,
                },
                "explanation": (
                    "Vietnamese-origin personal data. From 1 January 2026 the Law on Personal "
                    "Data Protection prohibits buying and selling personal data, and it and "
                    "Decree 356/2025 require a cross-border transfer impact assessment dossier "
                    "for the Ministry of Public Security. Whether licensed access to a data "
                    "product over such data is a permitted transfer or a prohibited sale is not "
                    "settled, so every such transfer goes to manual review."
                ),
                "source": {
                    "citation": (
                        "Law on Personal Data Protection No. 91/2025/QH15 (in force 1 January 2026); "
                        "Decree No. 356/2025/ND-CP detailing the Law on Personal Data Protection"
                    ),
                    "url": "https://vanban.chinhphu.vn/",
                },
            },
        ],
    },
]


def rule_sets():
    """Fresh deep copies of ``RULE_SETS``, safe to mutate."""
    return copy.deepcopy(RULE_SETS)


def seed(apps, schema_editor):
    RuleSet = apps.get_model("transfer_rules", "RuleSet")
    Rule = apps.get_model("transfer_rules", "Rule")
    now = timezone.now()
    for data in RULE_SETS:
        if RuleSet.objects.filter(
            jurisdiction=data["jurisdiction"], version=data["version"]
        ).exists():
            continue
        rule_set = RuleSet.objects.create(
            jurisdiction=data["jurisdiction"],
            version=data["version"],
            title=data["title"],
            effective_from=data["effective_from"],
            effective_to=data["effective_to"],
            status="in_force",
            sources=copy.deepcopy(data["sources"]),
            notes="Seeded from compliance.rules.seed.",
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
        RuleSet.objects.filter(
            jurisdiction=data["jurisdiction"], version=data["version"], status="in_force"
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("transfer_rules", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
