"""Technical checks: the schema, the files against it, personal data, aggregation (k)."""

from collections import Counter

from catalogue.privacy import DeclarationError, parse_declaration
from compliance.checks.context import CheckContext, FindingData, blocking, info, warning
from compliance.checks.pii import scan_csv
from kernel.tabular.csvstream import CsvFormatError, iter_csv
from kernel.tabular.schema import (
    CsvValidationError,
    SchemaError,
    validate_csv,
    validate_schema,
)

# Columns whose values count individuals: with them, every row is a group of that size.
COUNT_UNITS = {"people", "persons", "individuals", "subjects", "users", "households", "customers"}
MAX_REPORTED = 50


def schema_valid(ctx: CheckContext) -> list[FindingData]:
    try:
        schema = validate_schema(ctx.version.get("schema"))
    except SchemaError as exc:
        return [blocking("schema.invalid", f"The schema is not valid: {e}") for e in exc.errors]
    identifiers = [f["name"] for f in schema["fields"] if f["identifier"]]
    out = [info("schema.ok", f"{len(schema['fields'])} fields, {len(identifiers)} identifiers.")]
    undocumented = [f["name"] for f in schema["fields"] if not f["description"]]
    if undocumented:
        out.append(
            warning(
                "schema.undocumented",
                "Fields without a description: " + ", ".join(undocumented[:20]),
                fields=undocumented[:20],
            )
        )
    return out


def files_match_schema(ctx: CheckContext) -> list[FindingData]:
    out: list[FindingData] = []
    schema = ctx.version.get("schema") or {}
    for label, opener, declared in (
        ("sample", ctx.open_sample, ctx.version.get("sample_rows")),
        ("dataset", ctx.open_dataset, ctx.version.get("dataset_rows")),
    ):
        if opener is None:
            if label == "sample" or ctx.version.get("delivery_mode") == "query_api":
                out.append(blocking(f"{label}.missing", f"No {label} file was uploaded."))
            continue
        try:
            with opener() as stream:
                report = validate_csv(stream, schema)
        except CsvValidationError as exc:
            out.append(
                blocking(
                    f"{label}.mismatch",
                    f"The {label} does not match the schema: {exc}",
                    file=label,
                    row=exc.line,
                )
            )
            continue
        if declared is not None and report.rows != declared:
            out.append(
                blocking(
                    f"{label}.row_count",
                    f"The {label} has {report.rows} rows but {declared} were recorded at upload.",
                    file=label,
                )
            )
        else:
            out.append(info(f"{label}.ok", f"The {label} matches the schema ({report.rows} rows)."))
    return out


def pii_scan(ctx: CheckContext) -> list[FindingData]:
    """Every cell of the sample and the dataset. Personal data in a product declared
    non-personal is blocking; in a personal-data product it is reported for the reviewer."""
    declared_personal = ctx.has_personal_data
    out: list[FindingData] = []
    for label, opener in (("sample", ctx.open_sample), ("dataset", ctx.open_dataset)):
        if opener is None:
            continue
        try:
            with opener() as stream:
                result = scan_csv(stream, max_findings=MAX_REPORTED)
        except CsvFormatError as exc:
            out.append(
                blocking(
                    "pii.unreadable",
                    f"The {label} could not be scanned: {exc}",
                    file=label,
                    row=exc.line,
                )
            )
            continue
        if not result.total:
            out.append(
                info(
                    "pii.none",
                    f"No personal data found in the {label} ({result.rows_scanned} rows scanned).",
                    file=label,
                )
            )
            continue
        severity = warning if declared_personal else blocking
        kinds = ", ".join(f"{k} × {n}" for k, n in result.counts_by_kind.items() if n)
        summary = (
            f"Personal data found in the {label} ({kinds})"
            + ("" if declared_personal else " although the product is declared non-personal")
            + "."
        )
        out.append(
            severity(
                "pii.found",
                summary,
                file=label,
                counts=result.counts_by_kind,
                rows_scanned=result.rows_scanned,
            )
        )
        for f in result.findings:
            out.append(
                severity(
                    "pii.cell",
                    f"{f.kind} in column {f.column}, row {f.row}",
                    file=label,
                    row=f.row,
                    column=f.column,
                    kind=f.kind,
                    masked=f.masked,
                )
            )
    return out


def k_threshold(ctx: CheckContext) -> list[FindingData]:
    """A version declared anonymised must not contain groups smaller than k.

    With a column counting individuals (unit people/users/…), each row is a group of that
    size. Otherwise rows are grouped by their descriptive columns (text, date, boolean;
    identifiers excluded) and each combination must occur at least k times.
    """
    if not ctx.version.get("anonymised"):
        return [info("k.not_declared", "The version is not declared anonymised.")]
    k = int(ctx.version.get("min_group_size") or 10)
    fields = (ctx.version.get("schema") or {}).get("fields") or []
    opener = ctx.open_dataset or ctx.open_sample
    if opener is None or not fields:
        return [blocking("k.no_data", "Declared anonymised, but there is no data to check.")]
    names = [f["name"] for f in fields]
    count_cols = [
        f["name"]
        for f in fields
        if f["type"] == "integer" and f.get("unit", "").lower() in COUNT_UNITS
    ]
    out: list[FindingData] = []
    try:
        with opener() as stream:
            _header, rows = iter_csv(stream)
            if count_cols:
                idx = [names.index(c) for c in count_cols]
                for row in rows:
                    for col, i in zip(count_cols, idx, strict=True):
                        value = row[i].strip()
                        if value and value.lstrip("-").isdigit() and int(value) < k:
                            if len(out) < MAX_REPORTED:
                                out.append(
                                    blocking(
                                        "k.small_group",
                                        f"Row {rows.records} counts {value} in {col}, below k={k}.",
                                        row=rows.records,
                                        column=col,
                                    )
                                )
                            else:
                                break
                basis = f"count column(s) {', '.join(count_cols)}"
            else:
                dims = [
                    i
                    for i, f in enumerate(fields)
                    if f["type"] in ("string", "date", "boolean") and not f["identifier"]
                ]
                groups: Counter = Counter(tuple(row[i] for i in dims) for row in rows)
                small = [(g, n) for g, n in groups.items() if n < k]
                for _group, n in small[:MAX_REPORTED]:
                    out.append(
                        blocking(
                            "k.small_group",
                            f"{n} row(s) share one combination of "
                            f"{', '.join(names[i] for i in dims)}, below k={k}.",
                            group_size=n,
                        )
                    )
                basis = "descriptive columns"
    except CsvFormatError as exc:
        return [blocking("k.unreadable", f"The data could not be read: {exc}", row=exc.line)]
    if not out:
        out.append(info("k.ok", f"Every group has at least k={k} (checked by {basis})."))
    return out


def privacy_declaration(ctx: CheckContext) -> list[FindingData]:
    """How the product's answers are protected: a declaration that fits the schema and the
    data categories (always differential privacy for personal data; exact aggregates only
    when the provider chose them knowingly), with bounds and a total budget."""
    declared = ctx.version.get("privacy") or {}
    fields = (ctx.version.get("schema") or {}).get("fields") or []
    if ctx.version.get("delivery_mode") and not declared:
        return [
            blocking(
                "privacy.missing",
                "No privacy declaration: say whether answers are differentially private "
                "(with the privacy unit, contribution bounds and clamp bounds) or exact.",
            )
        ]
    try:
        declaration = parse_declaration(declared, fields, sorted(ctx.data_categories))
    except DeclarationError as exc:
        return [blocking("privacy.invalid", f"The privacy declaration is not valid: {exc}.")]
    if declaration.mode == "exact":
        return [
            warning(
                "privacy.exact",
                "Exact aggregates with small-group suppression: licensed buyers can derive "
                "individual row values by differencing queries. The provider chose this for a "
                "non-personal product.",
            )
        ]
    unit = declaration.unit or "each row"
    return [
        info(
            "privacy.dp",
            f"Differential privacy: unit {unit}, at most {declaration.max_rows} row(s) per group "
            f"and {declaration.max_groups} group(s) per unit, {len(declaration.bounds)} clamped "
            f"column(s), {len(declaration.public_keys)} public key set(s), total budget "
            f"ε {declaration.epsilon_cap}.",
        )
    ]
