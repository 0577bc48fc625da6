"""The Chilean calendar: días hábiles for the municipality's own comuna.

A día hábil is a Monday-to-Friday that is not a holiday (Ley 19.880 art. 25). Holidays:
- national ones from the `holidays` package (pinned; it tracks the moving rules);
- regional ones from RegionalHoliday, which can apply to a whole region or only to some
  of its comunas (Ñuble's 20 August applies only in Chillán and Chillán Viejo);
- one-off days the administrator adds in LocalHoliday (feriado comunal, or a national
  day created by a special law the package does not know yet).

Every answer carries the rule that produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import holidays as holidays_lib

from secpla.core.models import Comuna, LocalHoliday, Municipality, RegionalHoliday

LAW_BUSINESS_DAYS = "Ley 19.880, art. 25: son inhábiles los sábados, domingos y festivos"
HOLIDAYS_PACKAGE = f"paquete holidays {holidays_lib.__version__} (feriados nacionales de Chile)"


@dataclass(frozen=True)
class DayAnswer:
    date: dt.date
    is_business_day: bool
    rule: str


@dataclass(frozen=True)
class DeadlineAnswer:
    start: dt.date
    days: int
    date: dt.date
    rule: str
    skipped: list[DayAnswer] = field(default_factory=list)


class CalendarError(ValueError):
    """Bad input to the calendar, with a message in Spanish."""


class Calendar:
    """Días hábiles for one comuna (by default the municipality's)."""

    MAX_DAYS = 3650

    def __init__(self, comuna: Comuna | None = None):
        if comuna is None:
            municipality = Municipality.current()
            comuna = municipality.comuna if municipality else None
        self.comuna = comuna
        self._national: dict[int, holidays_lib.HolidayBase] = {}

    @cached_property
    def _regional_rules(self) -> list[RegionalHoliday]:
        if self.comuna is None:
            return []
        rules = RegionalHoliday.objects.filter(region_id=self.comuna.province.region_id)
        return [rule for rule in rules if rule.applies_to(self.comuna)]

    @cached_property
    def _local(self) -> dict[dt.date, LocalHoliday]:
        return {h.date: h for h in LocalHoliday.objects.all()}

    def _national_for(self, year: int) -> holidays_lib.HolidayBase:
        if year not in self._national:
            self._national[year] = holidays_lib.country_holidays("CL", years=year, language="es")
        return self._national[year]

    def holiday(self, day: dt.date) -> str | None:
        """The rule that makes `day` a holiday here, or None."""
        name = self._national_for(day.year).get(day)
        if name:
            return f"Feriado nacional: {name} ({HOLIDAYS_PACKAGE})"
        for rule in self._regional_rules:
            if rule.date_in(day.year) == day:
                where = "sus comunas" if rule.comuna_codes() else "toda la región"
                return f"Feriado regional: {rule.name} ({rule.legal_source}; rige en {where})"
        local = self._local.get(day)
        if local:
            return f"{local.get_kind_display()}: {local.name} ({local.legal_source})"
        return None

    def check(self, day: dt.date) -> DayAnswer:
        if day.weekday() == 5:
            return DayAnswer(day, False, "Sábado (día inhábil)")
        if day.weekday() == 6:
            return DayAnswer(day, False, "Domingo (día inhábil)")
        holiday = self.holiday(day)
        if holiday:
            return DayAnswer(day, False, holiday)
        return DayAnswer(day, True, "Día hábil: de lunes a viernes y no festivo")

    def is_business_day(self, day: dt.date) -> bool:
        return self.check(day).is_business_day

    def add_business_days(self, start: dt.date, days: int) -> DeadlineAnswer:
        """The date `days` días hábiles after `start` (the start day itself is not counted).

        A negative `days` counts backwards.
        """
        if abs(days) > self.MAX_DAYS:
            raise CalendarError(
                f"El número de días debe estar entre -{self.MAX_DAYS} y {self.MAX_DAYS}."
            )
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        current = start
        skipped: list[DayAnswer] = []
        while remaining:
            try:
                current += dt.timedelta(days=step)
            except OverflowError as exc:
                raise CalendarError("El resultado queda fuera del calendario.") from exc
            answer = self.check(current)
            if answer.is_business_day:
                remaining -= 1
            else:
                skipped.append(answer)
        rule = (
            f"{days} días hábiles desde el {start:%d-%m-%Y}, sin contar ese día; "
            f"se omitieron {len(skipped)} días inhábiles. {LAW_BUSINESS_DAYS}."
        )
        return DeadlineAnswer(start=start, days=days, date=current, rule=rule, skipped=skipped)

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """Días hábiles after `start` up to and including `end` (negative if end < start)."""
        if abs((end - start).days) > self.MAX_DAYS * 2:
            raise CalendarError("El intervalo es demasiado largo (máximo 20 años).")
        sign = 1 if end >= start else -1
        low, high = (start, end) if sign == 1 else (end, start)
        count = 0
        current = low
        while current < high:
            current += dt.timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return sign * count
