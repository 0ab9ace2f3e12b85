"""The commander's operational questions on the registers: where evacuees can go
(转移安置), which team can leave now (调派), what lies within R km (周边查询) and
which rectifications are overdue (整改逾期). Each dialog and indicator takes the
session in its constructor, reads and writes off the GUI thread through the
session's runner and refreshes on the session's changes."""
