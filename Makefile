# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-quick curriculum system-deps messages clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages for the printable worksheets (headless chromium prints HTML to PDF, Noto CJK for
# Chinese). Installed only where missing and only when we may (root on Debian, as on CI).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "note: install chromium and fonts-noto-cjk for PDF worksheets (apt-get install chromium fonts-noto-cjk)"; \
		fi; \
	fi

demo: setup
	$(BIN)/iioe demo

test: setup system-deps
	@# matplotlib builds its font cache on first use (a minute with the Noto CJK fonts): do it once
	@# here, not inside the first module notebook that verify runs against its 10 s budget
	$(BIN)/python -c "import matplotlib.font_manager"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow" -q
	$(MAKE) --no-print-directory curriculum
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m slow -q

# The whole curriculum: catalog, translations complete, release/ current, every module verified
# (solutions pass, untouched releases fail, no leaks) with real kernels.
curriculum: setup
	$(BIN)/iioe catalog validate
	$(BIN)/iioe i18n status --strict
	$(BIN)/iioe build --check
	$(BIN)/iioe verify

test-quick: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow" -q

# The package's own messages: extract from the code, merge into fr/zh, compile (.mo files are committed).
messages: setup
	$(BIN)/pybabel extract --no-wrap --sort-by-file --project "IIOE Notebooks" --copyright-holder "IIOE" \
		-k _ -k N_ -k gettext_in:2 -o iioe_nb/locale/iioe.pot iioe_nb
	for lang in fr zh; do \
		if [ -f iioe_nb/locale/$$lang/LC_MESSAGES/iioe.po ]; then \
			$(BIN)/pybabel update --no-wrap --ignore-obsolete -D iioe -l $$lang -i iioe_nb/locale/iioe.pot -d iioe_nb/locale; \
		else \
			$(BIN)/pybabel init --no-wrap -D iioe -l $$lang -i iioe_nb/locale/iioe.pot -d iioe_nb/locale; \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -D iioe -d iioe_nb/locale

clean:
	rm -rf $(VENV) .iioe .pytest_cache
