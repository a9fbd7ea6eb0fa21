"""Primary sources (what ``rates/`` may cite in its ``source`` column).

Every row of ``rates/`` cites a PRIMARY source: the law itself or the body that applies it. That
is the Official Journal of the EU and the Commission (EUR-Lex, the Commission's Taxes in Europe
Database), a national official gazette or law database, or a tax or customs authority. The loader
accepts a ``source`` only if it is an ``https://`` (or ``http://``) URL whose host is one of
:data:`PRIMARY_DOMAINS` or a subdomain of one; an adviser's or news site's page may stand beside
it in ``secondary_source``. ``rates/README.md`` ("Sources") states the same rule.

>>> is_primary("https://www.gesetze-im-internet.de/ustg_1980/__12.html")
True
>>> is_primary("https://marosavat.com/vat/sweden/")
False
"""

from __future__ import annotations

from urllib.parse import urlsplit

PRIMARY_DOMAINS: dict[str, str] = {
    # European Union
    "europa.eu": "EU institutions: EUR-Lex (Official Journal), the Commission (TEDB, taxation-customs)",
    # EU member states: official gazettes and law databases, tax and customs authorities
    "gv.at": "Austria: RIS (federal law and BGBl), Ministry of Finance, Parliament",
    "belgium.be": "Belgium: FPS Finance",
    "fgov.be": "Belgium: Moniteur belge / Belgisch Staatsblad",
    "nra.bg": "Bulgaria: National Revenue Agency",
    "parliament.bg": "Bulgaria: State Gazette and National Assembly",
    "minfin.bg": "Bulgaria: Ministry of Finance",
    "gov.cy": "Cyprus: Tax Department, Ministry of Finance",
    "e-sbirka.cz": "Czechia: official collection of laws",
    "financnisprava.cz": "Czechia: Financial Administration",
    "gesetze-im-internet.de": "Germany: federal law (Federal Ministry of Justice)",
    "recht.bund.de": "Germany: Bundesgesetzblatt",
    "bundesfinanzministerium.de": "Germany: Federal Ministry of Finance",
    "retsinformation.dk": "Denmark: official law database",
    "skat.dk": "Denmark: Danish Tax Agency",
    "riigiteataja.ee": "Estonia: State Gazette",
    "emta.ee": "Estonia: Tax and Customs Board",
    "boe.es": "Spain: Boletín Oficial del Estado",
    "agenciatributaria.gob.es": "Spain: Tax Agency",
    "finlex.fi": "Finland: official law database",
    "vero.fi": "Finland: Tax Administration",
    "eduskunta.fi": "Finland: Parliament (government bills and adopted acts)",
    "gouv.fr": "France: Légifrance, tax administration (impots.gouv.fr, BOFiP)",
    "assemblee-nationale.fr": "France: National Assembly (written questions and answers)",
    "aade.gr": "Greece: Independent Authority for Public Revenue",
    "nn.hr": "Croatia: Narodne novine (official gazette)",
    "porezna-uprava.gov.hr": "Croatia: Tax Administration",
    "njt.hu": "Hungary: National Legislation Database",
    "nav.gov.hu": "Hungary: National Tax and Customs Administration",
    "revenue.ie": "Ireland: Revenue Commissioners",
    "irishstatutebook.ie": "Ireland: electronic Irish Statute Book",
    "normattiva.it": "Italy: official law database",
    "gazzettaufficiale.it": "Italy: Gazzetta Ufficiale",
    "agenziaentrate.gov.it": "Italy: Revenue Agency",
    "e-tar.lt": "Lithuania: Register of Legal Acts",
    "vmi.lt": "Lithuania: State Tax Inspectorate",
    "public.lu": "Luxembourg: Legilux (Mémorial), AED, guichet.lu",
    "likumi.lv": "Latvia: official law database",
    "vestnesis.lv": "Latvia: Latvijas Vēstnesis (official gazette)",
    "vid.gov.lv": "Latvia: State Revenue Service",
    "legislation.mt": "Malta: official law database",
    "cfr.gov.mt": "Malta: Commissioner for Revenue",
    "overheid.nl": "Netherlands: wetten.overheid.nl, officielebekendmakingen.nl",
    "belastingdienst.nl": "Netherlands: Tax Administration",
    "gov.pl": "Poland: ISAP (Sejm), Dziennik Ustaw, podatki.gov.pl",
    "portaldasfinancas.gov.pt": "Portugal: Tax and Customs Authority",
    "diariodarepublica.pt": "Portugal: Diário da República",
    "dre.pt": "Portugal: Diário da República (ELI permalinks, data.dre.pt)",
    "just.ro": "Romania: legislatie.just.ro (Ministry of Justice law portal)",
    "anaf.ro": "Romania: National Agency for Fiscal Administration",
    "riksdagen.se": "Sweden: Swedish Code of Statutes (Riksdag)",
    "skatteverket.se": "Sweden: Tax Agency",
    "pisrs.si": "Slovenia: Legal Information System",
    "fu.gov.si": "Slovenia: Financial Administration",
    "slov-lex.sk": "Slovakia: official law portal",
    "financnasprava.sk": "Slovakia: Financial Administration",
    # other regimes
    "gov.uk": "United Kingdom: legislation.gov.uk, HMRC (gov.uk)",
    "lovdata.no": "Norway: official law database",
    "skatteetaten.no": "Norway: Tax Administration",
    "admin.ch": "Switzerland: Fedlex (classified compilation), Federal Tax Administration",
    "gov.im": "Isle of Man Government (Customs and Excise)",
    "toll.no": "Norway: Customs",
    "gov.au": "Australia: Federal Register of Legislation, Taxation Office, Home Affairs",
    "govt.nz": "New Zealand: official legislation, Inland Revenue, Customs",
    "gov.sg": "Singapore: Singapore Statutes Online, Inland Revenue Authority",
    "gov.my": "Malaysia: Royal Malaysian Customs Department, Attorney General's Chambers",
    "bcn.cl": "Chile: LeyChile, the National Congress Library's official law database",
    "sii.cl": "Chile: Internal Revenue Service (SII)",
    "go.jp": "Japan: government domains (National Tax Agency, Ministry of Finance, e-Gov law search)",
    "sbaadministration.org": "UK Sovereign Base Areas Administration (Akrotiri and Dhekelia)",
}
"""Official domains a primary ``source`` may point to (a host equal to one, or under it)."""


def primary_domain(source: str) -> str | None:
    """The entry of :data:`PRIMARY_DOMAINS` a source URL belongs to, or ``None``."""
    parts = urlsplit(source.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    for domain in PRIMARY_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def is_primary(source: str) -> bool:
    """Whether ``source`` is a URL on an official domain (:data:`PRIMARY_DOMAINS`)."""
    return primary_domain(source) is not None
