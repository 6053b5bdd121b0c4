"""A command group that answers a mistyped command with the commands it may have meant."""

from __future__ import annotations

import click


class SuggestingGroup(click.Group):
    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            import difflib  # only for a mistyped command: start-up pays nothing

            name = args[0] if args else ""
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            if not close or name.startswith("-"):
                raise
            raise click.UsageError(f"{exc.message} Did you mean {' or '.join(map(repr, close))}?", ctx) from None
