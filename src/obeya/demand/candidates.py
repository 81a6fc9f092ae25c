"""The candidate models per demand class, as configuration.

``candidates.yaml`` (shipped beside this module) names each candidate model once,
with its settings, and lists per demand class the candidates the backtest tries.
A company changes its candidates by editing a copy of that file; nothing in the
code names a model. The file is checked in three stages: a schema (Pydantic, unknown
keys refused), parsing into frozen models, then rules across the document (every
name referenced exists, the short-history model works on any length); every problem
is reported at once as ``file:line: field: what is wrong``.

A candidate becomes a statsforecast model only when the grain is known
(:meth:`Candidate.build`), because the seasonal period (52 weeks, 12 months) comes
from the grain.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, assert_never

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from obeya.demand.classify import DemandClass
from obeya.errors import ConfigError, SpecError

__all__ = [
    "DEFAULT_CANDIDATES",
    "Candidate",
    "CandidateSet",
    "Cost",
    "ModelKind",
    "SelectionMetric",
    "load_candidates",
]

DEFAULT_CANDIDATES = Path(__file__).with_name("candidates.yaml")
# statsforecast's AutoETS only fits seasonal models up to this period; above it it
# silently falls back to non-seasonal ones.
ETS_MAX_SEASON = 24


class ModelKind(StrEnum):
    """The statsforecast models a candidate can be."""

    AUTO_ETS = "AutoETS"
    AUTO_THETA = "AutoTheta"
    DYNAMIC_OPTIMIZED_THETA = "DynamicOptimizedTheta"
    MSTL = "MSTL"
    SEASONAL_NAIVE = "SeasonalNaive"
    NAIVE = "Naive"
    HISTORIC_AVERAGE = "HistoricAverage"
    CROSTON_CLASSIC = "CrostonClassic"
    CROSTON_SBA = "CrostonSBA"
    CROSTON_OPTIMIZED = "CrostonOptimized"
    TSB = "TSB"
    ADIDA = "ADIDA"
    IMAPA = "IMAPA"


class Cost(StrEnum):
    """How long a fit takes: decides whether a model group gets worker processes."""

    CHEAP = "cheap"  # tens of thousands of series a second: one process beats a pool
    EXPENSIVE = "expensive"  # milliseconds a series: worth a process per core


class SelectionMetric(StrEnum):
    """How the backtest picks each series' model (lower is better)."""

    MAE = "mae"  # mean absolute error over every window and step
    RMSE = "rmse"  # root mean squared error: punishes large misses more
    MASE = "mase"  # MAE over the in-sample seasonal naive MAE (same ranking as MAE per series)


class TrendModel(StrEnum):
    """The model MSTL fits to the deseasonalised series."""

    ETS = "ets"  # AutoETS(model="ZZN"): level, or level and (damped) trend
    SES = "ses"  # optimised simple exponential smoothing: level only, faster


class Decomposition(StrEnum):
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AutoEtsSpec(_Base):
    model: Literal[ModelKind.AUTO_ETS]
    spec: Annotated[str, Field(pattern=r"^[ZAM][ZANM][ZNAM]$")] = "ZZN"
    damped: bool | None = None


class ThetaSpec(_Base):
    model: Literal[ModelKind.AUTO_THETA, ModelKind.DYNAMIC_OPTIMIZED_THETA]
    seasonal: bool = True
    decomposition: Decomposition = Decomposition.MULTIPLICATIVE


class MstlSpec(_Base):
    model: Literal[ModelKind.MSTL]
    trend: TrendModel = TrendModel.ETS


class TsbSpec(_Base):
    model: Literal[ModelKind.TSB]
    alpha_d: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    alpha_p: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1


class PlainSpec(_Base):
    model: Literal[
        ModelKind.SEASONAL_NAIVE,
        ModelKind.NAIVE,
        ModelKind.HISTORIC_AVERAGE,
        ModelKind.CROSTON_CLASSIC,
        ModelKind.CROSTON_SBA,
        ModelKind.CROSTON_OPTIMIZED,
        ModelKind.ADIDA,
        ModelKind.IMAPA,
    ]


ModelSpec = Annotated[
    AutoEtsSpec | ThetaSpec | MstlSpec | TsbSpec | PlainSpec, Field(discriminator="model")
]
CandidateName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Candidate(BaseModel):
    """One named candidate model; ``name`` is its label in every output table."""

    model_config = ConfigDict(frozen=True)

    name: str
    spec: ModelSpec

    @property
    def kind(self) -> ModelKind:
        return self.spec.model

    @property
    def cost(self) -> Cost:
        match self.kind:
            case (
                ModelKind.AUTO_ETS
                | ModelKind.AUTO_THETA
                | ModelKind.DYNAMIC_OPTIMIZED_THETA
                | ModelKind.MSTL
                | ModelKind.CROSTON_OPTIMIZED
            ):
                return Cost.EXPENSIVE
            case (
                ModelKind.SEASONAL_NAIVE
                | ModelKind.NAIVE
                | ModelKind.HISTORIC_AVERAGE
                | ModelKind.CROSTON_CLASSIC
                | ModelKind.CROSTON_SBA
                | ModelKind.TSB
                | ModelKind.ADIDA
                | ModelKind.IMAPA
            ):
                return Cost.CHEAP
            case _:
                assert_never(self.kind)

    @property
    def native_intervals(self) -> bool:
        """Whether statsforecast gives this model's prediction intervals itself.

        MSTL has them only when its trend model has (ETS yes, SES no).
        """
        match self.kind:
            case ModelKind.MSTL:
                return isinstance(self.spec, MstlSpec) and self.spec.trend is TrendModel.ETS
            case (
                ModelKind.AUTO_ETS
                | ModelKind.AUTO_THETA
                | ModelKind.DYNAMIC_OPTIMIZED_THETA
                | ModelKind.SEASONAL_NAIVE
                | ModelKind.NAIVE
                | ModelKind.HISTORIC_AVERAGE
            ):
                return True
            case (
                ModelKind.CROSTON_CLASSIC
                | ModelKind.CROSTON_SBA
                | ModelKind.CROSTON_OPTIMIZED
                | ModelKind.TSB
                | ModelKind.ADIDA
                | ModelKind.IMAPA
            ):
                return False
            case _:
                assert_never(self.kind)

    def min_train(self, season_length: int) -> int:
        """Fewest training periods the model fits sensibly on."""
        match self.kind:
            case ModelKind.SEASONAL_NAIVE:
                return season_length
            case ModelKind.MSTL:
                return 2 * season_length
            case ModelKind.AUTO_ETS | ModelKind.AUTO_THETA | ModelKind.DYNAMIC_OPTIMIZED_THETA:
                return 10  # below this statsforecast refuses "tiny datasets"
            case (
                ModelKind.NAIVE
                | ModelKind.HISTORIC_AVERAGE
                | ModelKind.CROSTON_CLASSIC
                | ModelKind.CROSTON_SBA
                | ModelKind.CROSTON_OPTIMIZED
                | ModelKind.TSB
                | ModelKind.ADIDA
                | ModelKind.IMAPA
            ):
                return 1
            case _:
                assert_never(self.kind)

    def build(self, season_length: int) -> Any:
        """The statsforecast model, aliased by the candidate's name."""
        from statsforecast import models as sf

        spec = self.spec
        name = self.name
        match spec:
            case AutoEtsSpec():
                seasonal = spec.spec[2] != "N"
                if seasonal and season_length > ETS_MAX_SEASON:
                    raise ConfigError(
                        f"candidate {name!r}: AutoETS spec {spec.spec!r} asks for a season of "
                        f"{season_length} periods, but AutoETS fits seasons of at most "
                        f"{ETS_MAX_SEASON}; use spec 'ZZN' and give seasonality to MSTL or Theta"
                    )
                return sf.AutoETS(
                    season_length=season_length if seasonal else 1,
                    model=spec.spec,
                    damped=spec.damped,
                    alias=name,
                )
            case ThetaSpec():
                m = season_length if spec.seasonal else 1
                if spec.model is ModelKind.AUTO_THETA:
                    return sf.AutoTheta(
                        season_length=m, decomposition_type=spec.decomposition.value, alias=name
                    )
                return sf.DynamicOptimizedTheta(
                    season_length=m, decomposition_type=spec.decomposition.value, alias=name
                )
            case MstlSpec():
                trend: Any
                match spec.trend:
                    case TrendModel.ETS:
                        trend = sf.AutoETS(model="ZZN")
                    case TrendModel.SES:
                        trend = sf.SimpleExponentialSmoothingOptimized()
                    case _:
                        assert_never(spec.trend)
                return sf.MSTL(season_length=season_length, trend_forecaster=trend, alias=name)
            case TsbSpec():
                return sf.TSB(alpha_d=spec.alpha_d, alpha_p=spec.alpha_p, alias=name)
            case PlainSpec():
                return _plain(spec.model, season_length, name)
            case _:
                assert_never(spec)


def _plain(kind: ModelKind, season_length: int, name: str) -> Any:
    from statsforecast import models as sf

    match kind:
        case ModelKind.SEASONAL_NAIVE:
            return sf.SeasonalNaive(season_length=season_length, alias=name)
        case ModelKind.NAIVE:
            return sf.Naive(alias=name)
        case ModelKind.HISTORIC_AVERAGE:
            return sf.HistoricAverage(alias=name)
        case ModelKind.CROSTON_CLASSIC:
            return sf.CrostonClassic(alias=name)
        case ModelKind.CROSTON_SBA:
            return sf.CrostonSBA(alias=name)
        case ModelKind.CROSTON_OPTIMIZED:
            return sf.CrostonOptimized(alias=name)
        case ModelKind.ADIDA:
            return sf.ADIDA(alias=name)
        case ModelKind.IMAPA:
            return sf.IMAPA(alias=name)
        case (
            ModelKind.AUTO_ETS
            | ModelKind.AUTO_THETA
            | ModelKind.DYNAMIC_OPTIMIZED_THETA
            | ModelKind.MSTL
            | ModelKind.TSB
        ):
            raise ConfigError(f"candidate {name!r}: model {kind} takes its own settings")
        case _:
            assert_never(kind)


class _ClassLists(_Base):
    smooth: list[CandidateName] = Field(min_length=1)
    erratic: list[CandidateName] = Field(min_length=1)
    intermittent: list[CandidateName] = Field(min_length=1)
    lumpy: list[CandidateName] = Field(min_length=1)


class _Document(_Base):
    selection_metric: SelectionMetric = SelectionMetric.MAE
    benchmark: CandidateName
    short_history: CandidateName
    min_train_periods: Annotated[int, Field(ge=1, le=520)] = 10
    candidates: dict[CandidateName, ModelSpec] = Field(min_length=1)
    classes: _ClassLists

    @model_validator(mode="after")
    def _names_exist(self) -> _Document:
        known = set(self.candidates)
        problems: list[str] = []
        for cls in DemandClass:
            names: list[str] = getattr(self.classes, cls.value)
            problems += [
                f"classes.{cls.value}: unknown candidate {n!r}; define it under candidates "
                f"(known: {', '.join(sorted(known))})"
                for n in names
                if n not in known
            ]
            if len(set(names)) != len(names):
                problems.append(f"classes.{cls.value}: a candidate is listed twice: {names}")
        for key in ("benchmark", "short_history"):
            value = getattr(self, key)
            if value not in known:
                problems.append(f"{key}: unknown candidate {value!r}; define it under candidates")
        if self.short_history in known:
            short = Candidate(name=self.short_history, spec=self.candidates[self.short_history])
            if short.min_train(1) > 1 or not short.native_intervals:
                problems.append(
                    f"short_history: {self.short_history!r} is a {short.kind}, which needs "
                    "a backtest for its intervals or a minimum length; short series have "
                    "neither: choose a HistoricAverage or Naive candidate"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CandidateSet(BaseModel):
    """The validated configuration: candidates, their use per class, the choice rule."""

    model_config = ConfigDict(frozen=True)

    candidates: tuple[Candidate, ...]
    classes: Mapping[DemandClass, tuple[str, ...]]
    benchmark: str
    short_history: str
    selection_metric: SelectionMetric
    min_train_periods: int
    source: str = "<candidates>"

    def candidate(self, name: str) -> Candidate:
        for c in self.candidates:
            if c.name == name:
                return c
        raise ConfigError(f"no candidate named {name!r} in {self.source}")

    def for_class(self, demand_class: DemandClass) -> tuple[Candidate, ...]:
        return tuple(self.candidate(n) for n in self.classes[demand_class])

    @classmethod
    def from_mapping(
        cls,
        data: Any,
        *,
        source: str = "<candidates>",
        lines: Mapping[tuple[str | int, ...], int] | None = None,
    ) -> CandidateSet:
        """Validate a parsed document; every problem is reported in one SpecError."""
        if not isinstance(data, Mapping):
            raise SpecError(f"{source}: expected a mapping of keys, got {type(data).__name__}")
        try:
            doc = _Document.model_validate(data)
        except ValidationError as exc:
            raise SpecError(_render(exc, source, lines or {})) from None
        return cls(
            candidates=tuple(Candidate(name=n, spec=s) for n, s in doc.candidates.items()),
            classes={c: tuple(getattr(doc.classes, c.value)) for c in DemandClass},
            benchmark=doc.benchmark,
            short_history=doc.short_history,
            selection_metric=doc.selection_metric,
            min_train_periods=doc.min_train_periods,
            source=source,
        )


def load_candidates(path: str | Path | None = None) -> CandidateSet:
    """Read and validate a candidates YAML file (the shipped one by default)."""
    p = Path(path) if path is not None else DEFAULT_CANDIDATES
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            f"{p}: cannot read the candidates file ({exc.strerror}); check the path"
        ) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        raise SpecError(f"{where}: not valid YAML: {exc}") from exc
    if node is None:
        raise SpecError(f"{p}: the candidates file is empty; start from {DEFAULT_CANDIDATES}")
    lines: dict[tuple[str | int, ...], int] = {}
    data = _construct(node, (), lines)
    return CandidateSet.from_mapping(data, source=str(p), lines=lines)


def _construct(
    node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]
) -> Any:
    """Plain data from a composed YAML node, noting the line of every key path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            out[key] = _construct(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _render(exc: ValidationError, source: str, lines: Mapping[tuple[str | int, ...], int]) -> str:
    problems: list[str] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[0].isupper()))
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        where = f"{source}:{line}" if line is not None else source
        field = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            problems.append(
                f"{where}: {field}: unknown key '{loc[-1]}'; remove it or check the spelling"
            )
        elif err["type"] == "missing":
            problems.append(f"{where}: {field}: required key is missing; add it")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {field}: {msg} (got {err.get('input')!r})")
    count = len(problems)
    return "\n".join([f"{source}: {count} problem{'s' if count != 1 else ''}", *problems])
