"""Country and currency code lists used to validate reported trade data.

``COUNTRY_CODES`` holds the officially assigned alpha-2 codes of ISO 3166-1 (Codes for the
representation of names of countries and their subdivisions - Part 1: Country code).
User-assigned and reserved codes are left out, so XK (Kosovo) and EU are rejected.

``CURRENCY_CODES`` holds the alphabetic codes of ISO 4217 (Codes for the representation of
currencies) that are current, not the withdrawn ones (for example HRK, BGN, ANG, CUC, SLL,
ZWL). The X-codes that are no national currency are left out: precious metals (XAU, XAG, XPT,
XPD), SDR and other units of account (XDR, XSU, XUA, XAD, XBA-XBD), and the testing and
no-currency codes (XTS, XXX). The CFA francs, the East Caribbean dollar, the Caribbean
guilder and the CFP franc (XAF, XOF, XCD, XCG, XPF) are real currencies and are kept. The
fund codes of ISO 4217 (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are kept too.

Both lists change by amendment of their standard; update them here when they do.
"""

from __future__ import annotations

# Expected size: 249 codes.
_COUNTRY_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
"""
COUNTRY_CODES: frozenset[str] = frozenset(_COUNTRY_TEXT.split())

# Expected size: 164 codes (155 currencies and 9 fund codes).
_CURRENCY_TEXT = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU
    UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    BOV CHE CHW CLF COU MXV USN UYI UYW
"""
CURRENCY_CODES: frozenset[str] = frozenset(_CURRENCY_TEXT.split())
