"""The random draw of experts (专家随机抽取): a pure, documented function anyone can recompute.

Rule "sha256-v1", given a seed (text), the candidate list (reviewer ids) and K drawn plus S standbys:
  1. each candidate gets a ticket: the SHA-256 digest, in lowercase hexadecimal, of the UTF-8 text
     "<seed>:<id>" (for example "3f9a0c1d2e4b5a60:17");
  2. the candidates are ordered by ticket, smallest first (ties are impossible: the ids differ);
  3. the first K are drawn, the next S stand by, in that order.
The order in which the candidates are listed does not matter, so the record is the seed and the set of ids; the
page shows both, with every ticket, and `recompute` below is the whole computation. A hash rather than a
pseudo-random generator so that it can be checked with any tool (`printf '%s' 'seed:17' | sha256sum`), not only
with the same version of the same library.
"""

import hashlib
import secrets
from dataclasses import dataclass

METHOD = "sha256-v1"
SEED_BYTES = 8  # 16 hexadecimal characters: chosen by the server at the moment of the draw


@dataclass(frozen=True)
class Outcome:
    drawn: tuple[int, ...]
    standbys: tuple[int, ...]


class TooFewCandidates(ValueError):
    def __init__(self, found: int, needed: int):
        super().__init__(f"{found} candidates, {needed} needed")
        self.found, self.needed = found, needed


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def ticket(seed: str, candidate: int) -> str:
    """The candidate's ticket for this seed: SHA-256 of "<seed>:<id>", hexadecimal."""
    return hashlib.sha256(f"{seed}:{candidate}".encode()).hexdigest()


def order(seed: str, candidates) -> list[int]:
    """The candidates by ticket, smallest first."""
    return sorted(set(candidates), key=lambda c: (ticket(seed, c), c))


def recompute(seed: str, candidates, size: int, standby: int) -> Outcome:
    """Draw `size` experts and `standby` standbys from `candidates` (distinct ids) with `seed`; refuses with
    TooFewCandidates when there are fewer than size + standby."""
    if size < 1 or standby < 0:
        raise ValueError("size must be at least 1 and standby not negative")
    ranked = order(seed, candidates)
    if len(ranked) < size + standby:
        raise TooFewCandidates(len(ranked), size + standby)
    return Outcome(tuple(ranked[:size]), tuple(ranked[size:size + standby]))
