"""`cyberreg list ...` and `cyberreg show ID`."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.tree import Tree

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.services import catalog
from cyberreg.services.views import (
    InstrumentDetail,
    JurisdictionDetail,
    MappingView,
    RequirementDetail,
    RequirementView,
)

list_app = typer.Typer(help="List instruments, jurisdictions or requirements.", no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


@list_app.command("instruments")
def list_instruments(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, help="regulation, standard, labelling-scheme, framework, ..."),
    jurisdiction: str | None = typer.Option(
        None, help="A code such as GBR or EU; a country includes its unions."
    ),
    status: str | None = typer.Option(None, help="proposed, adopted, in-force, repealed, withdrawn"),
    as_json: bool = JsonOption,
) -> None:
    """Instruments, filtered by kind, jurisdiction and status."""
    with handled_errors():
        rows = catalog.list_instruments(state(ctx).store, kind=kind, jurisdiction=jurisdiction, status=status)
    if as_json:
        emit_json(rows)
        return
    table = Table(
        "id", "short title", "kind", "status", "jurisdictions", "reqs", title=f"{len(rows)} instruments"
    )
    for r in rows:
        table.add_row(
            r.id, r.short_title, r.kind, r.status, ", ".join(r.jurisdictions), str(r.requirement_count)
        )
    console.print(table)


@list_app.command("jurisdictions")
def list_jurisdictions(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Jurisdictions and groupings, with how many instruments name each."""
    with handled_errors():
        rows = catalog.list_jurisdictions(state(ctx).store)
    if as_json:
        emit_json(rows)
        return
    table = Table("code", "name", "kind", "WTO", "instruments", title=f"{len(rows)} jurisdictions")
    for r in rows:
        table.add_row(r.code, r.name, r.kind, "yes" if r.wto_member else "", str(r.instrument_count))
    console.print(table)


@list_app.command("requirements")
def list_requirements(
    ctx: typer.Context,
    instrument: str | None = typer.Option(None, help="Only this instrument's requirements."),
    topic: str | None = typer.Option(None, help="Only requirements on this topic (see `cyberreg topics`)."),
    groups: bool = typer.Option(False, "--groups", help="Include group headings."),
    as_json: bool = JsonOption,
) -> None:
    """Requirements, filtered by instrument and topic."""
    with handled_errors():
        rows = catalog.list_requirements(
            state(ctx).store, instrument=instrument, topic=topic, include_groups=groups
        )
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "title", "obligation", "topics", title=f"{len(rows)} requirements")
    for r in rows:
        table.add_row(
            r.id, r.title, r.obligation + (" (cond.)" if r.conditional else ""), ", ".join(r.topics)
        )
    console.print(table)


def _mapping_table(title: str, mappings: list[MappingView]) -> Table:
    table = Table("source", "relationship", "target", "provenance", "citation", title=title)
    for m in mappings:
        relation = m.relationship + (f" (jointly {m.joint_relationship})" if m.joint_relationship else "")
        table.add_row(m.source, relation, m.target, m.provenance, m.citation or "")
    return table


def _print_instrument(detail: InstrumentDetail) -> None:
    inst = detail.instrument
    console.rule(f"[bold]{inst.short_title}[/] ({inst.id})")
    console.print(inst.title, highlight=False)
    console.print(
        f"[bold]kind[/] {inst.kind.value}   [bold]status[/] {inst.status.value}   "
        f"[bold]issuer[/] {detail.issuer_name or inst.issuer}   "
        f"[bold]jurisdictions[/] {', '.join(inst.jurisdictions)}"
        + (f"   [bold]version[/] {inst.version}" if inst.version else ""),
        highlight=False,
    )
    console.print(inst.summary, highlight=False)
    for d in inst.dates:
        console.print(
            f"  {d.date.isoformat()}  {d.kind.value}" + (f" — {d.note}" if d.note else ""), highlight=False
        )
    if inst.conformity.routes:
        console.print(
            "[bold]conformity[/] " + ", ".join(r.value for r in inst.conformity.routes), highlight=False
        )
    for level in inst.conformity.levels:
        console.print(
            f"  level {level.id}: {level.name}" + (f" — {level.summary}" if level.summary else ""),
            highlight=False,
        )
    for link in inst.links:
        console.print(
            f"[bold]{link.type.value}[/] {link.target}" + (f" — {link.note}" if link.note else ""),
            highlight=False,
        )
    tree = Tree(f"{len([r for r in detail.requirements if r.kind == 'requirement'])} requirements")
    nodes: dict[str, Tree] = {}
    for req in detail.requirements:
        parent = nodes.get(req.parent) if req.parent else None
        label = f"[bold]{req.ref}[/] {req.title}" + (
            "" if req.kind == "group" else f" [dim]({req.obligation})[/]"
        )
        nodes[req.id] = (parent or tree).add(label, highlight=False)
    console.print(tree)
    if detail.mappings:
        console.print(_mapping_table("mappings", detail.mappings))
    console.print("[bold]sources[/]")
    for s in inst.sources:
        console.print(
            f"  {s.title} <{s.url}>" + (f" (read {s.date_read})" if s.date_read else ""), highlight=False
        )


def _print_requirement(detail: RequirementDetail) -> None:
    req: RequirementView = detail.requirement
    console.rule(f"[bold]{req.id}[/]")
    console.print(
        f"{req.title}  [dim]{detail.instrument_title}, {req.obligation}"
        + (", conditional" if req.conditional else "")
        + "[/]",
        highlight=False,
    )
    if req.summary:
        console.print(req.summary, highlight=False)
    console.print("[bold]topics[/] " + ", ".join(req.topics), highlight=False)
    for child in detail.children:
        console.print(f"  {child.ref}  {child.title}", highlight=False)
    if detail.mappings_out:
        console.print(_mapping_table("mappings from here", detail.mappings_out))
    if detail.mappings_in:
        console.print(_mapping_table("mappings to here", detail.mappings_in))


def _print_jurisdiction(detail: JurisdictionDetail) -> None:
    j = detail.jurisdiction
    console.rule(f"[bold]{j.name}[/] ({j.code})")
    if detail.member_of:
        console.print("member of " + ", ".join(detail.member_of), highlight=False)
    for inst in detail.instruments:
        console.print(
            f"  {inst.id:32} {inst.short_title} [dim]({inst.kind}, {inst.status})[/]", highlight=False
        )
    for c in detail.commitments:
        console.print(f"  {c.date or ''} {c.kind.value}: {c.summary}", highlight=False)


def show(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., metavar="ID", help="An instrument, requirement or jurisdiction id."),
    as_json: bool = JsonOption,
) -> None:
    """Show one instrument (with its requirements and mappings), requirement or jurisdiction."""
    with handled_errors():
        detail = catalog.show(state(ctx).store, entity_id)
    if as_json:
        emit_json(detail)
    elif isinstance(detail, InstrumentDetail):
        _print_instrument(detail)
    elif isinstance(detail, RequirementDetail):
        _print_requirement(detail)
    else:
        _print_jurisdiction(detail)
