"""Read and write cached embedding vectors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, insert, select

from cyberreg.store.tables_vectors import EmbeddingRow

_CHUNK = 500


def load_vectors(
    connection: Connection, model_id: str, hashes: Iterable[str]
) -> dict[str, NDArray[np.float32]]:
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, NDArray[np.float32]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(EmbeddingRow.text_hash, EmbeddingRow.dimension, EmbeddingRow.vector).where(
                EmbeddingRow.model_id == model_id, EmbeddingRow.text_hash.in_(wanted[start : start + _CHUNK])
            )
        )
        for text_hash, dimension, blob in rows:
            vector = np.frombuffer(blob, dtype="<f4")
            if vector.shape == (dimension,):
                found[text_hash] = vector
    return found


def save_vectors(connection: Connection, model_id: str, vectors: Mapping[str, NDArray[np.float32]]) -> None:
    rows = [
        {
            "model_id": model_id,
            "text_hash": h,
            "dimension": int(v.shape[0]),
            "vector": v.astype("<f4").tobytes(),
        }
        for h, v in vectors.items()
    ]
    for start in range(0, len(rows), _CHUNK):
        connection.execute(
            insert(EmbeddingRow).prefix_with("OR REPLACE", dialect="sqlite"), rows[start : start + _CHUNK]
        )
