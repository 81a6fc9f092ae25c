# obeya's recipes. Quick start: `make demo` (the weekly review on the demo company)
# and `make test` (the whole suite: lint, types, tests). Both set everything up.
UV_VERSION := 0.13.8
export PATH := $(HOME)/.local/bin:$(PATH)

PYTEST_ARGS ?=

.PHONY: setup system demo test check lint types pytest bench docs clean

setup:  ## Python environment from the lock file (installs uv if missing)
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user "uv==$(UV_VERSION)" 2>/dev/null || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv sync --frozen --quiet

system:  ## Debian packages the tests need (PostgreSQL, ...); a no-op when present
	@bash scripts/system-deps.sh

demo: setup  ## Build the demo company and its weekly operations review
	uv run obeya demo

test: setup system check pytest  ## Everything CI runs

check: lint types

lint:
	uv run ruff check .
	uv run ruff format --check .

types:
	uv run mypy

pytest:
	uv run pytest -n 2 --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

bench: setup  ## Benchmarks (print figures and ratios)
	for b in bench/bench_*.py; do echo "== $$b"; uv run python $$b || exit 1; done

docs: setup  ## Regenerate the generated docs
	uv run obeya docs

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache htmlcov .coverage out
