from .views import cases, exits, key, notices, rounds

app_name = "identification"

urlpatterns = [
    *cases.urlpatterns,  # 新识别, 返贫, 识别审核, a case and its steps, 发起, attachments
    *exits.urlpatterns,  # 脱贫 through 公示, 识别规则
    *notices.urlpatterns,  # 打印村内公示 / 公告
    *key.urlpatterns,  # 标注重点帮扶对象
    *rounds.urlpatterns,  # 年度动态管理
]
