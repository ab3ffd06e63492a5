"""Sentence-embedding vectors, cached by model and text so that only changed texts are re-embedded."""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cyberreg.store.tables import Base


class EmbeddingRow(Base):
    __tablename__ = "embeddings"
    model_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(model id, text)
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
