"""The shape of the synthetic Secretariat: entities, duty stations, job families, posts.

Entities are departments and offices at Headquarters (New York), offices away from
Headquarters (Geneva, Nairobi, Vienna), the five regional commissions, peacekeeping
operations, special political missions and field support centres (the last three are
*field* entities). Missions open and close on their historical dates; at closure their
staff are separated or reassigned.

The number of posts of each grade is pinned at 2022-12-31 (:data:`GRADE_COUNTS_2022`,
Professional and higher equal to Table 1 of seed 000, about 37,000 staff in all) and
distributed over entities in proportion to ``size × profile``; other years follow the
entities' size paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from parity.core import model
from parity.core.synth.countries import countries
from parity.core.synth.dates import day
from parity.core.synth.quotas import NONMEMBER_SHARE

GRADES = model.GRADES
GRADE_INDEX: dict[str, int] = {g: i for i, g in enumerate(GRADES)}
CATEGORY_NAMES: tuple[str, ...] = tuple(model.CATEGORIES)
CATEGORY_OF = np.array([CATEGORY_NAMES.index(model.CATEGORY_OF_GRADE[g]) for g in GRADES])
#: Year-end targets are kept for the initial stock (2014) and every simulated year.
TARGET_YEARS: tuple[int, ...] = tuple(range(2014, 2025))

#: Bands used to steer composition: 0 senior (P-5, D-1, D-2), 1 other Professional and
#: higher (USG, ASG, P-4 … P-1), then 2 GS, 3 FS, 4 NO.
BAND_NAMES: tuple[str, ...] = ("senior", "other", "GS", "FS", "NO")
SENIOR, OTHER, BAND_GS, BAND_FS, BAND_NO = range(5)
BAND_OF = np.array([
    SENIOR if g in model.SENIOR_GRADES
    else OTHER if model.CATEGORY_OF_GRADE[g] in model.PROFESSIONAL_AND_HIGHER
    else {"GS": BAND_GS, "FS": BAND_FS, "NO": BAND_NO}[model.CATEGORY_OF_GRADE[g]]
    for g in GRADES
])
PROFESSIONAL = BAND_OF <= OTHER
#: Grades filled through job openings among Professionals (P-1 … D-2; not USG/ASG).
OPENING_GRADE = PROFESSIONAL & np.array([model.CATEGORY_OF_GRADE[g] != "SL" for g in GRADES])

_FIVE_GROUP_P = {"USG": 60, "ASG": 90, "D-2": 120, "D-1": 360, "P-5": 2285, "P-4": 4700,
                 "P-3": 5200, "P-2": 1550, "P-1": 44}
_OTHER = {"FS-7": 120, "FS-6": 900, "FS-5": 1000, "FS-4": 550, "FS-3": 100, "FS-2": 20,
          "FS-1": 0, "NO-E": 5, "NO-D": 150, "NO-C": 500, "NO-B": 700, "NO-A": 300,
          "G-7": 900, "G-6": 3400, "G-5": 4600, "G-4": 5550, "G-3": 2700, "G-2": 900,
          "G-1": 150}
#: Posts by grade at 2022-12-31, scale 1. Professional and higher grades are the five-group
#: counts of Table 1 (14,409, of which 2,765 at P-5/D-1/D-2) grossed up for non-members.
GRADE_COUNTS_2022: dict[str, float] = {
    **{g: n / (1.0 - NONMEMBER_SHARE) for g, n in _FIVE_GROUP_P.items()}, **_OTHER,
}

#: Entity kinds: department, office, commission (not field); peacekeeping, political, support.
FIELD_KINDS = frozenset({"peacekeeping", "political", "support"})
#: Relative weight of each category (SL, D, P, FS, NO, GS) in an entity of each kind.
_PROFILE: dict[str, tuple[float, ...]] = {
    "department": (1.0, 1.0, 1.0, 0.0, 0.0, 1.0),
    "office": (0.6, 0.9, 1.0, 0.0, 0.05, 1.0),
    "commission": (0.5, 0.8, 0.9, 0.0, 0.4, 1.1),
    "peacekeeping": (0.3, 0.5, 0.45, 1.0, 1.0, 1.0),
    "political": (0.6, 0.8, 0.8, 0.8, 1.0, 0.8),
    "support": (0.1, 0.3, 0.4, 1.2, 0.6, 1.0),
}

JOB_FAMILIES: tuple[str, ...] = (
    "Administration", "Finance", "Human resources", "Information technology",
    "Public information", "Legal", "Political affairs", "Economic affairs", "Social affairs",
    "Statistics", "Humanitarian affairs", "Human rights", "Logistics", "Supply chain",
    "Security", "Conference management", "Programme management", "Environmental affairs",
    "Drug control and crime prevention", "Civil affairs", "Audit and investigation",
    "Engineering", "Rule of law",
)
_GENERAL_FAMILIES = ("Administration", "Finance", "Human resources", "Information technology",
                     "Public information")


@dataclass(frozen=True)
class Entity:
    code: str
    kind: str
    #: Size (relative headcount) by year; years in between are interpolated.
    sizes: tuple[tuple[int, float], ...]
    #: Duty stations: (name, ISO3 of the host country or "" if not used for local staff, weight).
    stations: tuple[tuple[str, str, float], ...]
    families: tuple[str, ...]
    opened: tuple[int, int, int] | None = None
    closed: tuple[int, int, int] | None = None


def _e(code: str, kind: str, size: float | tuple[tuple[int, float], ...],
       stations: tuple[tuple[str, str, float], ...] | str, families: str,
       opened: tuple[int, int, int] | None = None,
       closed: tuple[int, int, int] | None = None) -> Entity:
    sizes = ((2022, float(size)),) if isinstance(size, (int, float)) else size
    st = {"NY": (("New York", "USA", 1.0),), "GVA": (("Geneva", "CHE", 1.0),),
          "NBO": (("Nairobi", "KEN", 1.0),), "VIE": (("Vienna", "AUT", 1.0),)}
    stn = st[stations] if isinstance(stations, str) else stations
    return Entity(code, kind, sizes, stn, tuple(families.split("|")), opened, closed)


ENTITIES: tuple[Entity, ...] = (
    _e("DOS", "department", 1500, "NY", "Logistics|Supply chain|Information technology"),
    _e("DMSPC", "department", 1300, "NY", "Finance|Human resources|Programme management"),
    _e("DGACM", "department", 1600, "NY", "Conference management"),
    _e("DPPA", "department", 400, "NY", "Political affairs"),
    _e("DPO", "department", 450, "NY", "Political affairs|Rule of law|Security"),
    _e("DESA", "department", 500, "NY", "Economic affairs|Social affairs|Statistics"),
    _e("DGC", "department", 700, "NY", "Public information"),
    _e("OLA", "department", 200, "NY", "Legal"),
    _e("EOSG", "department", 250, "NY", "Political affairs|Administration"),
    _e("OIOS", "department", 300, "NY", "Audit and investigation"),
    _e("ODA", "department", 80, "NY", "Political affairs"),
    _e("OCT", "department", 60, "NY", "Political affairs|Security"),
    _e("DSS", "department", 1400, (("New York", "USA", 0.7), ("Geneva", "CHE", 0.3)),
       "Security"),
    _e("OCHA", "department", 1500, (("New York", "USA", 0.45), ("Geneva", "CHE", 0.55)),
       "Humanitarian affairs"),
    _e("UNOG", "office", 1500, "GVA", "Conference management|Administration"),
    _e("OHCHR", "office", 1300, (("Geneva", "CHE", 0.85), ("New York", "USA", 0.15)),
       "Human rights"),
    _e("UNCTAD", "office", 450, "GVA", "Economic affairs|Statistics"),
    _e("UNDRR", "office", 120, "GVA", "Programme management"),
    _e("UNON", "office", 500, "NBO", "Administration|Information technology"),
    _e("UNEP", "office", 1200, (("Nairobi", "KEN", 0.75), ("Geneva", "CHE", 0.15),
                                ("Bangkok", "THA", 0.10)), "Environmental affairs"),
    _e("UN-HABITAT", "office", 350, "NBO", "Programme management|Social affairs"),
    _e("UNOV", "office", 300, "VIE", "Administration|Conference management"),
    _e("UNODC", "office", 800, (("Vienna", "AUT", 0.8), ("Bangkok", "THA", 0.2)),
       "Drug control and crime prevention"),
    _e("ECA", "commission", 750, (("Addis Ababa", "ETH", 1.0),), "Economic affairs|Statistics"),
    _e("ECE", "commission", 200, "GVA", "Economic affairs|Statistics"),
    _e("ECLAC", "commission", 500, (("Santiago", "CHL", 1.0),), "Economic affairs|Social affairs"),
    _e("ESCAP", "commission", 550, (("Bangkok", "THA", 1.0),), "Economic affairs|Social affairs"),
    _e("ESCWA", "commission", 350, (("Beirut", "LBN", 1.0),), "Economic affairs|Social affairs"),
    _e("MINUSMA", "peacekeeping", ((2014, 1500.0), (2017, 1900.0), (2023, 1800.0)),
       (("Bamako", "MLI", 0.6), ("Gao", "MLI", 0.2), ("Timbuktu", "MLI", 0.1),
        ("Mopti", "MLI", 0.1)), "Civil affairs|Logistics|Security|Political affairs",
       closed=(2023, 12, 31)),
    _e("MONUSCO", "peacekeeping", ((2014, 3300.0), (2022, 2600.0), (2024, 2200.0)),
       (("Kinshasa", "COD", 0.4), ("Goma", "COD", 0.35), ("Bunia", "COD", 0.15),
        ("Beni", "COD", 0.1)), "Civil affairs|Logistics|Security|Human rights"),
    _e("UNMISS", "peacekeeping", ((2014, 2800.0), (2022, 2700.0)),
       (("Juba", "SSD", 0.6), ("Malakal", "SSD", 0.15), ("Bentiu", "SSD", 0.1),
        ("Wau", "SSD", 0.15)), "Civil affairs|Logistics|Security|Human rights"),
    _e("MINUSCA", "peacekeeping", ((2014, 900.0), (2017, 1500.0)),
       (("Bangui", "CAF", 0.8), ("Bria", "CAF", 0.2)), "Civil affairs|Logistics|Security"),
    _e("UNIFIL", "peacekeeping", 850, (("Naqoura", "LBN", 1.0),), "Logistics|Civil affairs"),
    _e("UNFICYP", "peacekeeping", 150, (("Nicosia", "CYP", 1.0),), "Political affairs"),
    _e("UNMIK", "peacekeeping", ((2014, 380.0), (2022, 330.0)), (("Pristina", "", 1.0),),
       "Political affairs|Rule of law"),
    _e("UNISFA", "peacekeeping", 250, (("Abyei", "", 1.0),), "Logistics|Civil affairs"),
    _e("UNDOF", "peacekeeping", 140, (("Camp Faouar", "SYR", 1.0),), "Logistics"),
    _e("UNTSO", "peacekeeping", 230, (("Jerusalem", "", 1.0),), "Political affairs"),
    _e("MINURSO", "peacekeeping", 230, (("Laayoune", "", 1.0),), "Logistics"),
    _e("UNMOGIP", "peacekeeping", 70, (("Islamabad", "PAK", 1.0),), "Logistics"),
    _e("UNAMID", "peacekeeping", ((2014, 3200.0), (2017, 2600.0), (2019, 2100.0),
                                  (2020, 1500.0)),
       (("El Fasher", "SDN", 0.7), ("Nyala", "SDN", 0.3)), "Civil affairs|Logistics|Security",
       closed=(2020, 12, 31)),
    _e("UNMIL", "peacekeeping", ((2014, 1500.0), (2017, 900.0)), (("Monrovia", "LBR", 1.0),),
       "Civil affairs|Logistics", closed=(2018, 3, 30)),
    _e("MINUSTAH", "peacekeeping", ((2014, 1700.0), (2016, 1300.0)),
       (("Port-au-Prince", "HTI", 1.0),), "Civil affairs|Logistics|Rule of law",
       closed=(2017, 10, 15)),
    _e("MINUJUSTH", "peacekeeping", 350, (("Port-au-Prince", "HTI", 1.0),),
       "Rule of law|Human rights", opened=(2017, 10, 16), closed=(2019, 10, 15)),
    _e("UNAMA", "political", 1150, (("Kabul", "AFG", 0.8), ("Herat", "AFG", 0.2)),
       "Political affairs|Human rights|Security"),
    _e("UNAMI", "political", 750, (("Baghdad", "IRQ", 0.7), ("Erbil", "IRQ", 0.3)),
       "Political affairs|Security"),
    _e("UNSMIL", "political", 250, (("Tripoli", "LBY", 0.6), ("Tunis", "TUN", 0.4)),
       "Political affairs"),
    _e("UNSOM", "political", 300, (("Mogadishu", "SOM", 1.0),), "Political affairs"),
    _e("UNMHA", "political", 120, (("Hodeidah", "YEM", 1.0),), "Political affairs",
       opened=(2019, 1, 16)),
    _e("BINUH", "political", 110, (("Port-au-Prince", "HTI", 1.0),),
       "Political affairs|Human rights", opened=(2019, 10, 16)),
    _e("UNITAMS", "political", 250, (("Khartoum", "SDN", 1.0),), "Political affairs",
       opened=(2020, 6, 3), closed=(2024, 2, 29)),
    _e("UNOWAS", "political", 50, (("Dakar", "SEN", 1.0),), "Political affairs"),
    _e("UNOCA", "political", 30, (("Libreville", "GAB", 1.0),), "Political affairs"),
    _e("UNRCCA", "political", 20, (("Ashgabat", "TKM", 1.0),), "Political affairs"),
    _e("UNVMC", "political", 400, (("Bogota", "COL", 1.0),), "Political affairs|Civil affairs",
       opened=(2017, 9, 26)),
    _e("UNSOS", "support", 650, (("Mogadishu", "SOM", 0.5), ("Nairobi", "KEN", 0.5)),
       "Logistics|Supply chain|Engineering"),
    _e("RSCE", "support", 400, (("Entebbe", "UGA", 1.0),), "Finance|Human resources"),
    _e("UNGSC", "support", 450, (("Brindisi", "ITA", 0.7), ("Valencia", "ESP", 0.3)),
       "Information technology|Logistics"),
)


@dataclass(frozen=True)
class Organization:
    codes: tuple[str, ...]
    field: np.ndarray
    open_day: np.ndarray
    close_day: np.ndarray
    #: targets[year_index, entity, grade]: year-end posts, at the requested scale.
    targets: np.ndarray
    station_names: tuple[str, ...]
    station_entity: np.ndarray
    station_weight: np.ndarray
    #: Country index of each station's host (-1: not used for local staff).
    station_host: np.ndarray
    #: families[entity]: indices into JOB_FAMILIES of the entity's own families.
    families: tuple[tuple[int, ...], ...]

    def target(self, year: int) -> np.ndarray:
        return self.targets[TARGET_YEARS.index(year)]

    def open_at(self, days: np.ndarray, entities: np.ndarray) -> np.ndarray:
        """True where the entity is open on that day (opened on or before, not yet closed)."""
        return (self.open_day[entities] <= days) & (days < self.close_day[entities])


def _size_path(ent: Entity) -> np.ndarray:
    years = np.array(TARGET_YEARS)
    ys = np.array([y for y, _ in ent.sizes], dtype=np.float64)
    vs = np.array([v for _, v in ent.sizes])
    size = np.interp(years, ys, vs)
    if ent.opened is not None:
        size[years < ent.opened[0]] = 0.0
    if ent.closed is not None:
        size[years >= ent.closed[0]] = 0.0
    return size


@lru_cache(maxsize=8)
def organization(scale: float) -> Organization:
    """The organization at ``scale`` (1.0: the Secretariat's size)."""
    n_e, n_g = len(ENTITIES), len(GRADES)
    size = np.stack([_size_path(e) for e in ENTITIES], axis=1)  # (years, entities)
    kind_profile = np.array([_PROFILE[e.kind] for e in ENTITIES])  # (entities, categories)
    profile = kind_profile[:, CATEGORY_OF]  # (entities, grades)
    raw = size[:, :, None] * profile[None, :, :]
    ref = raw[TARGET_YEARS.index(2022)].sum(axis=0)
    counts = np.array([GRADE_COUNTS_2022[g] for g in GRADES]) * scale
    targets = raw * np.where(ref > 0, counts / np.maximum(ref, 1e-12), 0.0)[None, None, :]

    cc = countries()
    names: list[str] = []
    ent_of: list[int] = []
    weights: list[float] = []
    hosts: list[int] = []
    for i, e in enumerate(ENTITIES):
        for name, host, w in e.stations:
            names.append(name)
            ent_of.append(i)
            weights.append(w)
            hosts.append(cc.index(host) if host else -1)
    big = np.iinfo(np.int64).max
    return Organization(
        codes=tuple(e.code for e in ENTITIES),
        field=np.array([e.kind in FIELD_KINDS for e in ENTITIES]),
        open_day=np.array([day(*e.opened) if e.opened else -big for e in ENTITIES]),
        close_day=np.array([day(*e.closed) if e.closed else big for e in ENTITIES]),
        targets=targets.reshape(len(TARGET_YEARS), n_e, n_g),
        station_names=tuple(names),
        station_entity=np.array(ent_of),
        station_weight=np.array(weights),
        station_host=np.array(hosts),
        families=tuple(tuple(JOB_FAMILIES.index(f) for f in e.families) for e in ENTITIES),
    )


def draw_station(rng: np.random.Generator, org: Organization, entities: np.ndarray) -> np.ndarray:
    """A duty station of each entity, by the entity's station weights."""
    out = np.zeros(entities.size, dtype=np.int64)
    u = rng.random(entities.size)
    order = np.argsort(entities, kind="stable")
    ent_sorted = entities[order]
    for e in np.unique(ent_sorted):
        lo, hi = np.searchsorted(ent_sorted, [e, e + 1])
        st = np.flatnonzero(org.station_entity == e)
        cum = np.cumsum(org.station_weight[st])
        cum /= cum[-1]
        idx = order[lo:hi]
        out[idx] = st[np.minimum(np.searchsorted(cum, u[idx], side="right"), st.size - 1)]
    return out


def draw_family(rng: np.random.Generator, org: Organization, entities: np.ndarray) -> np.ndarray:
    """A job family per opening: usually the entity's own, otherwise a support family."""
    general = np.array([JOB_FAMILIES.index(f) for f in _GENERAL_FAMILIES])
    own_n = np.array([len(f) for f in org.families])[entities]
    own_table = np.full((len(org.families), max(len(f) for f in org.families)), -1)
    for i, f in enumerate(org.families):
        own_table[i, : len(f)] = f
    pick = (rng.random(entities.size) * own_n).astype(np.int64)
    own = own_table[entities, pick]
    gen = general[rng.integers(0, general.size, size=entities.size)]
    return np.where(rng.random(entities.size) < 0.65, own, gen)
