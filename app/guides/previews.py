"""Preview samples of the guides: every page, once for each variant of context data a guide reads.

Only the previews (app.journeys.preview) read these; the guides themselves never do.
"""

from __future__ import annotations

from app.guides.journey import Guide
from app.journeys.engine import Sample
from app.journeys.preview import samples_of

#: Guide slug -> the context data variants worth previewing (the documents guide differs per permit category).
SAMPLE_DATA: dict[str, list[dict]] = {"documents": [{"category": "A"}, {"category": "B"}]}


@samples_of(Guide)
def guide_samples(guide: Guide) -> list[Sample]:
    """Every page (with each variant of context data, e.g. the permit categories)."""
    samples: list[Sample] = []
    for data in SAMPLE_DATA.get(guide.slug, [{}]):
        suffix = "".join(f".{key}-{value}" for key, value in sorted(data.items()))
        samples.extend(Sample(step=name, data=dict(data), label=f"{name}{suffix}") for name in guide.order)
    return samples
