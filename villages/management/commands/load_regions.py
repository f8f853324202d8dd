from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from villages.regions import RegionFileError, load_regions


class Command(BaseCommand):
    help = "导入行政区划 CSV（code,name,level,parent_code；.csv 或 .csv.gz）。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        try:
            result = load_regions(file)
        except RegionFileError as exc:
            raise CommandError(f"{file}：{exc}。未导入任何数据。") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"行政区划导入完成：新增 {result.added}，更名 {result.renamed}，"
                f"未变 {result.unchanged}，树结构调整 {result.moved_in_tree}。"
            )
        )
