"""The location tree of each supplier company: region > site > building, with fictional addresses."""

from __future__ import annotations

from dataclasses import dataclass

from data.sample_portfolio.markets import MARKETS
from data.sample_portfolio.names import BUILDING_NAMES, REGIONS, SITE_AREAS, STREETS, pick
from data.sample_portfolio.randomness import stream


@dataclass(frozen=True)
class Location:
    """One node of a company's location tree; metering points hang off buildings."""

    location_id: str
    company_id: str
    parent_location_id: str
    location_type: str
    name: str
    address: str
    city: str
    dso_id: str


def build_locations(seed: int) -> tuple[Location, ...]:
    """Four regions per company, two or three sites per region, two to four buildings per site."""
    rng = stream(seed, "locations")
    locations: list[Location] = []
    for market in MARKETS:
        for r, (region, dso_id, cities) in enumerate(REGIONS[market.code], start=1):
            region_id = f"{market.company_id}-R{r:02d}"
            locations.append(Location(region_id, market.company_id, "", "region", region, "", "", dso_id))
            site_count = int(rng.integers(2, 4))
            site_cities = [cities[i] for i in rng.permutation(len(cities))[:site_count]]
            for s, city in enumerate(site_cities, start=1):
                site_id = f"{region_id}-S{s:02d}"
                area = pick(rng, SITE_AREAS[market.code])
                street = pick(rng, STREETS[market.code])
                number = int(rng.integers(1, 180))
                site_address = f"{street} {'nr. ' if market.code == 'RO' else ''}{number}"
                locations.append(
                    Location(site_id, market.company_id, region_id, "site", f"{city} {area}", site_address, city, dso_id)
                )
                building_count = int(rng.integers(2, 5))
                names = [BUILDING_NAMES[market.code][i] for i in rng.permutation(len(BUILDING_NAMES[market.code]))]
                for b in range(1, building_count + 1):
                    name = names[b - 1]
                    locations.append(
                        Location(
                            f"{site_id}-B{b:02d}",
                            market.company_id,
                            site_id,
                            "building",
                            f"{city} {area}, {name}",
                            f"{site_address}, {name}",
                            city,
                            dso_id,
                        )
                    )
    return tuple(locations)
