"""Column types shared by the models."""

from datetime import datetime

from sqlalchemy import DateTime, TypeDecorator

from advocacy.clock import as_utc


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp that reads back UTC-aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def write_once(model: type) -> type:
    """Refuse every change to a model's rows through the ORM, one by one or in bulk
    (an append-only record). What the database itself allows is the deployment's call."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    message = f"{model.__name__} rows are write-once (append-only)."

    def refuse(mapper, connection, target) -> None:
        raise PermissionError(message)

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)

    @event.listens_for(Session, "do_orm_execute")
    def refuse_bulk(state) -> None:
        if (state.is_update or state.is_delete) and any(
            mapper.class_ is model for mapper in state.all_mappers
        ):
            raise PermissionError(message)

    return model
