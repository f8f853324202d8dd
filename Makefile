# 精准扶贫系统: `make run` sets up everything and serves the app; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
DEV_ENV := DEBUG=1

.PHONY: run test install check-python chromium migrate demo lint bench clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "错误：需要 Python 3.11 或更新版本（当前：$$($(PYTHON) --version 2>&1)）。"; \
	  echo "请安装 Python 3.11+，或用 make PYTHON=python3.11 指定解释器。"; exit 1; }

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: check-python $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(PY) manage.py load_regions fixtures/regions/ganzhou.csv
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py seed_households --demo
	$(DEV_ENV) $(PY) manage.py seed_units_demo

run: demo
	@echo ""
	@echo "精准扶贫系统已就绪：请用浏览器打开 http://$(HOST)/ ，用上面列出的演示账号登录。"
	@echo "村级账号的短信验证码会打印在本终端里。按 Ctrl+C 停止。"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST)

chromium:
	@bash scripts/ensure-chromium

test: install chromium
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var staticfiles
