"""A realistic synthetic registry for development and demos, deterministic for a seed.

The data goes in through the real registry import (people files, then contributions), so the
demo also exercises the feed. Identities (names, birth dates, numbers, phones) depend only on
the seed; validity dates and contribution months are placed relative to `today`, so "expires
soon" stays true whenever the demo is seeded. Every number is synthetic: `9…` numbers carry a
correct MOD 11-2 check character but belong to no one.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.facts import facts
from app.registry.countries import NUMERIC_BY_ALPHA3
from app.registry.feed import CONTRIBUTIONS_OPTIONAL, CONTRIBUTIONS_REQUIRED, PEOPLE_OPTIONAL, PEOPLE_REQUIRED
from app.registry.identifiers import identifier_hashes, mod11_2_check_char
from app.registry.importer import import_file
from app.registry.models import ContributionRecord, Employer, Person, SocialSecurityAccount, WorkPermit

DEFAULT_PEOPLE = 520
MONTHS = 24
SAMPLE_COUNT = 8

#: Cities with their province code (for SSNs), Chinese and English names and a district address.
CITIES = {
    "110000": ("11", "北京", "Beijing", "北京市朝阳区建国路{n}号"),
    "310000": ("31", "上海", "Shanghai", "上海市浦东新区世纪大道{n}号"),
    "440100": ("44", "广州", "Guangzhou", "广州市天河区珠江新城华夏路{n}号"),
    "440300": ("44", "深圳", "Shenzhen", "深圳市南山区科技园科苑路{n}号"),
    "330100": ("33", "杭州", "Hangzhou", "杭州市西湖区文三路{n}号"),
    "510100": ("51", "成都", "Chengdu", "成都市高新区天府大道{n}号"),
}
_INDUSTRIES = (
    ("科技", "Technology"),
    ("软件", "Software"),
    ("教育咨询", "Education Consulting"),
    ("汽车零部件", "Automotive Parts"),
    ("生物医药", "Biopharma"),
    ("国际贸易", "International Trade"),
    ("设计", "Design"),
    ("金融服务", "Financial Services"),
)
_BRANDS = ("华信", "远航", "博达", "新桥", "晨星", "海川", "鼎盛", "嘉禾")
_POSITIONS = (
    "软件工程师 / Software Engineer",
    "英语教师 / English Teacher",
    "产品经理 / Product Manager",
    "首席执行官 / Chief Executive Officer",
    "研究员 / Researcher",
    "设计师 / Designer",
    "财务总监 / Chief Financial Officer",
    "市场经理 / Marketing Manager",
    "技术顾问 / Technical Consultant",
)

#: Family names and given names by nationality, as printed in passports.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "DEU": (
        ("MÜLLER", "SCHRÖDER", "WEIß", "MÜLLER-LÜDENSCHEIDT", "VON DER HEYDE", "KÖNIG"),
        ("Hans Peter", "Jürgen", "Anna-Lena", "Björn", "Maximilian Johannes", "Käthe"),
    ),
    "KOR": (("KIM", "LEE", "PARK", "CHOI", "JUNG"), ("Min-jun", "Seo-yeon", "Ji-hoon", "Ha-eun")),
    "JPN": (("SATŌ", "SUZUKI", "TAKAHASHI", "WATANABE", "ITŌ"), ("Yūki", "Haruto", "Sakura", "Ren")),
    "USA": (
        ("SMITH", "JOHNSON", "O'CONNOR", "MCDONALD", "WILLIAMS-BROWN"),
        ("John Michael", "Emily", "Christopher James", "Ashley Marie"),
    ),
    "FRA": (
        ("DUPONT", "LEFÈVRE", "D'ARTAGNAN", "BÉRANGER", "MOREAU"),
        ("Amélie Françoise", "Jean-Luc", "Hélène", "François Xavier"),
    ),
    "GBR": (("SMITH-JONES", "O'NEILL", "TAYLOR", "WRIGHT"), ("Olivia Grace", "Oliver", "Siân", "Harry")),
    "CAN": (("TREMBLAY", "GAGNON", "CÔTÉ", "MACLEAN"), ("Émilie", "Liam", "Chloé", "Noah")),
    "IND": (("PATEL", "SHARMA", "IYER", "REDDY"), ("Aarav", "Priya", "Venkata Subramanian", "Ananya")),
    "AUS": (("NGUYEN", "WILLIAMS", "O'SULLIVAN", "BROWN"), ("Charlotte", "Jack", "Isla", "Lachlan")),
    "RUS": (("IVANOV", "SMIRNOVA", "KUZNETSOV", "POPOVA"), ("Aleksandr", "Anastasiia", "Dmitrii", "Olga")),
    "ESP": (
        ("GARCÍA LÓPEZ", "FERNÁNDEZ", "MARTÍNEZ DE LA TORRE", "NÚÑEZ"),
        ("José María", "María de los Ángeles", "Íñigo", "Lucía"),
    ),
    "ITA": (("ROSSI", "D'ANGELO", "ESPOSITO", "DE LUCA"), ("Giuseppe", "Francesca", "Niccolò", "Chiara")),
    "IRL": (("O'BRIEN", "MURPHY", "NÍ BHRIAIN", "Ó SÉ"), ("Siobhán", "Seán", "Aoife", "Pádraig")),
    "BRA": (("SILVA", "SANTOS", "CONCEIÇÃO", "GONÇALVES"), ("João Pedro", "Ana Júlia", "Luís", "Letícia")),
    "VNM": (("NGUYỄN", "TRẦN", "LÊ", "PHẠM"), ("Thị Minh Khai", "Văn Đức", "Thu Hương", "Quốc Bảo")),
    "NLD": (("DE JONG", "VAN DEN BERG", "JANSEN", "VAN DER MEER"), ("Daan", "Sanne", "Sem", "Eva")),
    "CHE": (("MÜLLER", "MEIER", "SCHNEIDER", "GRÜTTER"), ("Lukas", "Mia", "Noé", "Léa")),
    "DNK": (("JØRGENSEN", "NIELSEN", "SØRENSEN", "HANSEN"), ("Søren", "Freja", "Mads", "Ida")),
    "SWE": (("ANDERSSON", "JOHANSSON", "ÅBERG", "LINDSTRÖM"), ("Åsa", "Erik", "Linnéa", "Björn")),
    "POL": (("KOWALSKI", "WIŚNIEWSKA", "ŁUKASZEWICZ", "NOWAK"), ("Łukasz", "Małgorzata", "Paweł", "Zofia")),
    "TUR": (("YILMAZ", "ÖZTÜRK", "ŞAHIN", "ÇELIK"), ("Ayşe", "Mehmet", "Gülşen", "Çağrı")),
    "NGA": (("OKONKWO", "ADEYEMI", "OKAFOR"), ("Chinedu", "Oluwaseun", "Ngozi Adaeze")),
}
_LONG_FAMILIES = (
    "DE LA SANTÍSIMA TRINIDAD FERNÁNDEZ-GONZÁLEZ",
    "WOLFESCHLEGELSTEINHAUSENBERGERDORFF",
    "VAN DER HOEVEN-BERGKAMP DE VRIES",
)
_LONG_GIVENS = (
    "María de los Ángeles Guadalupe Esperanza",
    "Hubert Blaine Frederick Gerald Charles",
    "Anna-Maria Theresia Johanna Elisabeth",
)
#: The bilateral social security agreements in force, from the reviewed facts (content/facts.toml):
#: per partner country the China-side insurances a seconded worker is exempt from.
AGREEMENTS: dict[str, tuple[str, ...]] = {
    country: agreement.insurances for country, agreement in facts().agreements.items() if agreement.in_force
}
_RATES = {
    "pension": (Decimal("0.16"), Decimal("0.08")),
    "medical": (Decimal("0.095"), Decimal("0.02")),
    "work_injury": (Decimal("0.004"), Decimal("0")),
    "unemployment": (Decimal("0.005"), Decimal("0.005")),
    "maternity": (Decimal("0.008"), Decimal("0")),
}
_INSURANCES = tuple(_RATES)
_CARD_STATUSES = (
    ("normal", 60),
    ("not_activated", 14),
    ("sealed", 10),
    ("temp_lost", 4),
    ("formally_lost", 3),
    ("frozen", 3),
    ("cancelled", 6),
)
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CENT = Decimal("0.01")


@dataclass
class Sample:
    """An identity to try the journeys with."""

    passport_name: str
    date_of_birth: str
    nationality: str
    permit_number: str
    permit_category: str
    ssn: str
    phone: str | None
    card_status: str
    note: str


@dataclass
class SeedResult:
    """What seeding did and the sample identities."""

    seeded: bool
    people: int
    employers: int
    contributions: int
    samples: list[Sample]

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return {
            "seeded": self.seeded,
            "people": self.people,
            "employers": self.employers,
            "contributions": self.contributions,
            "samples": [asdict(s) for s in self.samples],
        }


def people_count() -> int:
    """How many people the registry holds."""
    return db.session.execute(select(func.count()).select_from(Person)).scalar_one()


def seed_demo(
    seed: int = 1, *, people: int = DEFAULT_PEOPLE, if_empty: bool = False, today: date | None = None
) -> SeedResult:
    """Fill the registry with the demo data for `seed` (an idempotent upsert through the import).

    With `if_empty`, a registry that already has people is left alone; the samples are still
    returned (those of this seed that exist, else a few people from the registry).
    """
    today = today or clock.today()
    data = DemoData(seed, people, today)
    seeded = False
    existing = people_count()
    if not (if_empty and existing):
        with tempfile.TemporaryDirectory(prefix="ssc-demo-") as tmp:
            # The earlier passports only matter the first time: re-importing them would undo
            # the renewals that the main people file then redoes.
            for path, kind in data.write(Path(tmp), with_history=not existing):
                import_file(path, kind, actor_type="system", actor_id="seed-demo", today=today)
        seeded = True
    samples = _existing(data.samples()) or _samples_from_registry()
    return SeedResult(
        seeded=seeded,
        people=people_count(),
        employers=db.session.execute(select(func.count()).select_from(Employer)).scalar_one(),
        contributions=db.session.execute(select(func.count()).select_from(ContributionRecord)).scalar_one(),
        samples=samples,
    )


def _existing(samples: list[Sample]) -> list[Sample]:
    """The samples whose SSN the registry holds."""
    hashes = {s.ssn: identifier_hashes("ssn", s.ssn) for s in samples}  # either key's, mid-rotation
    found = set(
        db.session.execute(
            select(SocialSecurityAccount.ssn_hash).where(
                SocialSecurityAccount.ssn_hash.in_([h for candidates in hashes.values() for h in candidates])
            )
        ).scalars()
    )
    return [sample for sample in samples if found.intersection(hashes[sample.ssn])]


def _samples_from_registry() -> list[Sample]:
    """A few people of whatever the registry holds, as samples."""
    rows = db.session.execute(
        select(Person, WorkPermit, SocialSecurityAccount)
        .join(WorkPermit, WorkPermit.person_id == Person.id)
        .join(SocialSecurityAccount, SocialSecurityAccount.person_id == Person.id)
        .order_by(Person.id)
        .limit(SAMPLE_COUNT)
    ).all()
    return [
        Sample(
            person.passport_name,
            person.date_of_birth.isoformat(),
            person.nationality,
            permit.permit_number,
            permit.category,
            account.ssn,
            person.phone,
            account.card.status if account.card else "",
            "",
        )
        for person, permit, account in rows
    ]


class DemoData:
    """The generated registry for one seed, written as feed files."""

    def __init__(self, seed: int, people: int, today: date):
        self.rng = random.Random(seed)
        self.today = today
        self._ssns: set[str] = set()
        self.employers = self._employers()
        self.people = [self._person(i) for i in range(people)]

    def _employers(self) -> list[dict]:
        """About 40 employers spread over the six cities."""
        rng = self.rng
        employers = []
        for index in range(40):
            code = list(CITIES)[index % len(CITIES)]
            _, city_zh, city_en, address = CITIES[code]
            brand = _BRANDS[index % len(_BRANDS)]
            industry_zh, industry_en = _INDUSTRIES[(index // len(_BRANDS)) % len(_INDUSTRIES)]
            body = f"91{code}" + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
            total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
            employers.append(
                {
                    "uscc": body + _USCC_CHARS[(31 - total % 31) % 31],
                    "name_zh": f"{city_zh}{brand}{industry_zh}有限公司",
                    "name_en": f"{city_en} {_pinyin_brand(brand)} {industry_en} Co., Ltd.",
                    "city": code,
                    "address": address.format(n=rng.randint(1, 999)),
                }
            )
        return employers

    def _unique_ssn(self, province: str, nationality: str, born: date, index: int) -> str:
        """A `9…` SSN (province, country, birth date, sequence, check) not used yet in this seed."""
        for step in range(1000):
            body = f"9{province}{NUMERIC_BY_ALPHA3[nationality]}{born:%Y%m%d}{(index + step) % 1000:03d}"
            ssn = body + mod11_2_check_char(body)
            if ssn not in self._ssns:
                self._ssns.add(ssn)
                return ssn
        raise RuntimeError("no free SSN sequence left")

    def _person(self, index: int) -> dict:
        """One person with permit, account, card, enrolments and contribution plan."""
        rng = self.rng
        nationality = list(NAMES)[index % len(NAMES)]
        families, givens = NAMES[nationality]
        family, given = rng.choice(families), rng.choice(givens)
        if index % 97 == 13:
            family, given = _LONG_FAMILIES[index % 3], _LONG_GIVENS[index % 3]
        # Passports print "FAMILY, Given" in some feeds and "FAMILY Given" in others.
        name = f"{family}, {given}" if index % 3 else f"{family} {given}"
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 38))
        employer = self.employers[rng.randrange(len(self.employers))]
        province = CITIES[employer["city"]][0]
        ssn = self._unique_ssn(province, nationality, born, index)
        category = rng.choices("ABC", weights=(20, 60, 20))[0]
        started = self.today - timedelta(days=rng.randint(60, 365 * 4))
        length = {"A": 5 * 365, "B": 2 * 365, "C": 365}[category]
        valid_to = started + timedelta(days=length)
        roll = rng.random()
        status = "valid"
        if roll < 0.06:
            valid_to = self.today + timedelta(days=rng.randint(3, 30))
        elif roll < 0.11:
            valid_to, status = self.today - timedelta(days=rng.randint(1, 200)), "expired"
        elif roll < 0.13:
            status = "cancelled"
        if valid_to < self.today and status == "valid":
            valid_to = self.today + timedelta(days=rng.randint(31, 700))
        if valid_to <= started:
            started = valid_to - timedelta(days=length)
        entry = None
        if category in "BC":
            entry = min(self.today, started + timedelta(days=rng.randint(0, 20)))
            if rng.random() < 0.1:
                entry = self.today - timedelta(days=rng.randint(1, 25))
        exempt: tuple[str, ...] = ()
        if nationality in AGREEMENTS and rng.random() < 0.35:
            exempt = AGREEMENTS[nationality]
        first_period = max(_period(started), _period_add(_period(self.today), -MONTHS))
        mobile = rng.choice(("139", "138", "186", "135", "158", "177"))
        phone = None
        if rng.random() < 0.88:
            phone = f"+86 {mobile} {index // 10000 % 10000:04d} {index % 10000:04d}"
        elif rng.random() < 0.5:
            phone = "+49 30 12345678" if nationality == "DEU" else None
        pr_id = None
        if index % 61 == 7:
            pr_body = f"9{province}{NUMERIC_BY_ALPHA3[nationality]}{born:%Y%m%d}{(index + 500) % 1000:03d}"
            pr_id = pr_body + mod11_2_check_char(pr_body)
        elif index % 61 == 30:
            pr_id = f"{nationality}{born:%y%m%d}{index % 1000000:06d}"
        renewed = index % 23 == 5
        return {
            "index": index,
            "name": name,
            "nationality": nationality,
            "born": born,
            "sex": rng.choice("FM"),
            "passport": _passport_number(rng, nationality),
            "old_passport": _passport_number(rng, nationality) if renewed else None,
            "permit": f"{rng.randint(1, 9)}{index + 1:05d}{rng.randrange(10**12):012d}",
            "category": category,
            "valid_from": started,
            "valid_to": valid_to,
            "status": status,
            "entry": entry,
            "position": rng.choice(_POSITIONS),
            "employer": employer,
            "ssn": ssn,
            "pr_id": pr_id,
            "card_status": rng.choices(
                [s for s, _ in _CARD_STATUSES], weights=[w for _, w in _CARD_STATUSES]
            )[0],
            "card_number": f"{employer['city'][:4]}{rng.randrange(10**5):05d}" if rng.random() < 0.6 else "",
            "phone": phone,
            "exempt": exempt,
            "first_period": first_period,
            "base": Decimal(rng.randrange(80, 360) * 100),
            "gap": rng.random() < 0.12,
            "arrears": rng.random() < 0.08,
        }

    def write(self, directory: Path, with_history: bool = True) -> list[tuple[Path, str]]:
        """The feed files to import, in order: earlier passports, people, contributions."""
        files = []
        renewed = [person for person in self.people if person["old_passport"]]
        if renewed and with_history:
            files.append((self._write_people(directory / "people-earlier.csv", renewed, old=True), "people"))
        files.append((self._write_people(directory / "people.csv", self.people), "people"))
        files.append((self._write_contributions(directory / "contributions.csv"), "contributions"))
        return files

    def _write_people(self, path: Path, people: list[dict], old: bool = False) -> Path:
        """A people CSV (with the earlier passports when `old`)."""
        columns = PEOPLE_REQUIRED + PEOPLE_OPTIONAL
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.DictWriter(handle, columns)
            out.writeheader()
            for person in people:
                out.writerow(self._people_row(person, old))
        return path

    def _people_row(self, person: dict, old: bool) -> dict:
        """One people row."""
        employer = person["employer"]
        start = person["first_period"]
        insurances = ";".join(
            f"{kind}:{'exempt' if kind in person['exempt'] else 'enrolled'}:{start}" for kind in _INSURANCES
        )
        country = person["nationality"]
        return {
            "passport_name": person["name"],
            "nationality": country,
            "date_of_birth": person["born"].isoformat(),
            "sex": person["sex"],
            "passport_number": person["old_passport"] if old else person["passport"],
            "passport_expires_on": (self.today + timedelta(days=400 + person["index"] * 7 % 2500)).isoformat()
            if not old
            else (self.today - timedelta(days=30)).isoformat(),
            "permit_number": person["permit"],
            "permit_category": person["category"],
            "permit_valid_from": person["valid_from"].isoformat(),
            "permit_valid_to": person["valid_to"].isoformat(),
            "permit_status": person["status"],
            "entry_date": person["entry"].isoformat() if person["entry"] else "",
            "position": person["position"],
            "employer_uscc": employer["uscc"],
            "employer_name_zh": employer["name_zh"],
            "employer_name_en": employer["name_en"],
            "work_city_code": employer["city"],
            "work_address": employer["address"],
            "ssn": person["ssn"],
            "pr_id": person["pr_id"] or "",
            "card_number": person["card_number"],
            "card_status": person["card_status"],
            "phone": person["phone"] or "",
            "insurances": insurances,
            "exemption_country": country if person["exempt"] else "",
            "exemption_certificate": f"COC-{country}-{person['index']:06d}" if person["exempt"] else "",
            "exemption_valid_to": (self.today + timedelta(days=900)).isoformat() if person["exempt"] else "",
        }

    def _write_contributions(self, path: Path) -> Path:
        """24 months of contributions: mostly paid, with gaps, arrears and the latest month due."""
        last = _period_add(_period(self.today), -1)
        columns = CONTRIBUTIONS_REQUIRED + CONTRIBUTIONS_OPTIONAL
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(columns)
            for person in self.people:
                gap = set()
                if person["gap"]:
                    gap_start = _period_add(last, -(person["index"] % 18 + 3))
                    gap = {_period_add(gap_start, k) for k in range(1 + person["index"] % 3)}
                period = person["first_period"]
                until = last if person["status"] == "valid" else min(last, _period(person["valid_to"]))
                while period <= until:
                    if period not in gap:
                        self._month(out, person, period, until)
                    period = _period_add(period, 1)
        return path

    def _month(self, out, person: dict, period: str, last: str) -> None:
        """One month's rows for every insurance the person is enrolled in."""
        if period == last:
            status = "due"
        elif person["arrears"] and period >= _period_add(last, -2):
            status = "arrears"
        else:
            status = "paid"
        paid_on = f"{period}-15" if status == "paid" else ""
        for kind in _INSURANCES:
            if kind in person["exempt"]:
                continue
            employer_rate, employee_rate = _RATES[kind]
            base = person["base"]
            out.writerow(
                [
                    person["ssn"],
                    period,
                    kind,
                    f"{base:.2f}",
                    f"{(base * employer_rate).quantize(_CENT):.2f}",
                    f"{(base * employee_rate).quantize(_CENT):.2f}",
                    status,
                    person["employer"]["uscc"],
                    paid_on,
                ]
            )

    def samples(self) -> list[Sample]:
        """A handful of varied identities: diacritics, apostrophes, long names, exemptions, expiries."""
        picks: list[tuple[dict, str]] = []

        def pick(note: str, test) -> None:
            for person in self.people:
                if test(person) and all(person is not chosen for chosen, _ in picks):
                    picks.append((person, note))
                    return

        pick(
            "diacritics and a hyphen; pension and unemployment exempt (bilateral agreement)",
            lambda person: (
                person["nationality"] == "DEU"
                and person["exempt"]
                and "-" in person["name"]
                and not person["name"].isascii()
            ),
        )
        pick(
            "diacritics; pension exempt",
            lambda person: person["exempt"] == ("pension",) and not person["name"].isascii(),
        )
        pick(
            "apostrophe in the family name",
            lambda person: "'" in person["name"] and person["status"] == "valid",
        )
        pick(
            "Korean name, card in normal use",
            lambda person: person["nationality"] == "KOR" and person["card_status"] == "normal",
        )
        pick("very long name (60+ characters)", lambda person: len(person["name"]) >= 60)
        pick(
            "permit expires within 30 days",
            lambda person: (
                person["status"] == "valid" and person["valid_to"] <= self.today + timedelta(days=30)
            ),
        )
        pick(
            "category C, arrears in the latest months",
            lambda person: person["category"] == "C" and person["arrears"],
        )
        pick("passport renewed (history of two passports)", lambda person: person["old_passport"] is not None)
        pick("no phone on record (in-person route)", lambda person: person["phone"] is None)
        pick("permit expired", lambda person: person["status"] == "expired")
        return [
            Sample(
                person["name"],
                person["born"].isoformat(),
                person["nationality"],
                person["permit"],
                person["category"],
                person["ssn"],
                _e164(person["phone"]),
                person["card_status"],
                note,
            )
            for person, note in picks[:SAMPLE_COUNT]
        ]


def _passport_number(rng: random.Random, nationality: str) -> str:
    """A passport-like number: a letter or two and digits, up to 9 characters."""
    letters = "".join(rng.choice("CEFGHJKLMNPRTXY") for _ in range(1 if nationality in ("DEU", "KOR") else 2))
    return letters + f"{rng.randrange(10 ** (9 - len(letters))):0{9 - len(letters)}d}"


def _pinyin_brand(brand: str) -> str:
    """An English rendering of the brand names used above."""
    return {
        "华信": "Huaxin",
        "远航": "Yuanhang",
        "博达": "Boda",
        "新桥": "Xinqiao",
        "晨星": "Chenxing",
        "海川": "Haichuan",
        "鼎盛": "Dingsheng",
        "嘉禾": "Jiahe",
    }[brand]


def _e164(phone: str | None) -> str | None:
    """A demo phone as stored (E.164)."""
    return phone.replace(" ", "") if phone else None


def _period(day: date) -> str:
    """YYYY-MM of a date."""
    return f"{day:%Y-%m}"


def _period_add(period: str, months: int) -> str:
    """A YYYY-MM period moved by a number of months."""
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
