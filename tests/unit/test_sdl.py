from kgapi.config import Settings
from kgapi.graphql.sdl import SDL_FILE, export_sdl


def test_schema_file_equals_the_live_schema() -> None:
    """Regenerate with `kgapi schema export --out schema/schema.graphql` when this fails."""
    assert SDL_FILE.read_text("utf-8") == export_sdl(Settings())


def test_every_type_and_field_has_a_description() -> None:
    from kgapi.graphql.schema import build_schema

    schema = build_schema(Settings())._schema
    missing = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gql_type.description:
            missing.append(name)
        for field_name, field in getattr(gql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
    assert missing == []
