"""WTO notification symbols for the monitor: `G/TBT/N/USA/2211`, follow-ups `/Add.1`, `/Rev.1/Add.2`, ...

The implementation lives in `cyberreg.model.notification` (the model validates symbols, and the model
layer may not import the monitor); this module is the monitor's name for it.
"""

from __future__ import annotations

from cyberreg.model.notification import (
    MEMBER_CODES,
    Area,
    FollowUp,
    FollowUpKind,
    Symbol,
    SymbolError,
    base_symbol,
    format_symbol,
    member_code_for,
    normalize_symbol,
    parse_symbol,
    split_symbols,
    symbol_sort_key,
)

__all__ = [
    "MEMBER_CODES",
    "Area",
    "FollowUp",
    "FollowUpKind",
    "Symbol",
    "SymbolError",
    "base_symbol",
    "format_symbol",
    "member_code_for",
    "normalize_symbol",
    "parse_symbol",
    "split_symbols",
    "symbol_sort_key",
]
