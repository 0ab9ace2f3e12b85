<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AssignDialog</name>
    <message>
        <source>People on duty</source>
        <translation>值班人员</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存:%1</translation>
    </message>
    <message>
        <source>Not saved: %1 changed this shift at %2 (%3).</source>
        <translation>未保存:%1 已于 %2 修改了该班次(%3)。</translation>
    </message>
    <message>
        <source>Not saved: this shift was deleted by someone else.</source>
        <translation>未保存:该班次已被他人删除。</translation>
    </message>
    <message>
        <source>Your changes are kept on top of theirs: check the people below and save again.</source>
        <translation>您的改动已保留,并叠加在对方的改动之上:请核对下方人员后再次保存。</translation>
    </message>
    <message>
        <source>no visible change</source>
        <translation>人员无可见变化</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>他人</translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>Database connection</source>
        <translation>数据库连接</translation>
    </message>
    <message>
        <source>This computer (SQLite file)</source>
        <translation>本机数据库(SQLite 文件)</translation>
    </message>
    <message>
        <source>Shared command-center server (PostgreSQL)</source>
        <translation>指挥中心共享数据库(PostgreSQL)</translation>
    </message>
    <message>
        <source>not stored; empty: PGPASSWORD or ~/.pgpass</source>
        <translation>不保存;留空则使用 PGPASSWORD 或 ~/.pgpass</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库名</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Use this database</source>
        <translation>使用此数据库</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Connected. The database is empty and will be set up.</source>
        <translation>已连接。该数据库为空,启动时将自动建立。</translation>
    </message>
    <message>
        <source>Connected. Schema version %1.</source>
        <translation>已连接。数据库结构版本 %1。</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>Click a feature on the map or a row in a list.</source>
        <translation>点击地图上的要素或列表中的一行查看详情。</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>This feature no longer exists.</source>
        <translation>该要素已不存在。</translation>
    </message>
    <message>
        <source>Hazard site</source>
        <translation>风险隐患点</translation>
    </message>
    <message>
        <source>Shelter</source>
        <translation>避难场所</translation>
    </message>
    <message>
        <source>Supply depot</source>
        <translation>物资储备库</translation>
    </message>
    <message>
        <source>Rescue team</source>
        <translation>救援队伍</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>突发事件</translation>
    </message>
    <message>
        <source> (drill)</source>
        <translation>(演练)</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Risk level</source>
        <translation>风险等级</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Responsible unit</source>
        <translation>责任单位</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Monitoring</source>
        <translation>监测状态</translation>
    </message>
    <message>
        <source>Rectify by</source>
        <translation>整改期限</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>坐标</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>已安置</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>设施</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>管理人</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>物资品种</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>需关注</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>队员</translation>
    </message>
    <message>
        <source>Volunteers</source>
        <translation>志愿者</translation>
    </message>
    <message>
        <source>Equipment</source>
        <translation>装备</translation>
    </message>
    <message>
        <source>Base</source>
        <translation>驻地</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接报时间</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Casualties</source>
        <translation>伤亡</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>情况描述</translation>
    </message>
    <message>
        <source>Log entries</source>
        <translation>记录数</translation>
    </message>
    <message>
        <source>dead %1, injured %2, missing %3</source>
        <translation>死亡 %1 人,受伤 %2 人,失踪 %3 人</translation>
    </message>
    <message>
        <source>Check in / out…</source>
        <translation>入住/离开登记…</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
</context>
<context>
    <name>DisasterStats</name>
    <message>
        <source>Figures cannot be negative.</source>
        <translation>统计数不能为负数。</translation>
    </message>
    <message>
        <source>Every figure must be a number.</source>
        <translation>统计数必须是数字。</translation>
    </message>
    <message>
        <source>The crop area damaged cannot exceed the area affected.</source>
        <translation>农作物成灾面积不能大于受灾面积。</translation>
    </message>
    <message>
        <source>The crop area lost cannot exceed the area damaged.</source>
        <translation>农作物绝收面积不能大于成灾面积。</translation>
    </message>
    <message>
        <source>Disaster statistics are kept for natural disasters only.</source>
        <translation>灾情统计仅适用于自然灾害。</translation>
    </message>
    <message>
        <source>This incident no longer exists.</source>
        <translation>该事件已不存在。</translation>
    </message>
    <message>
        <source>The time has no time zone.</source>
        <translation>时间缺少时区。</translation>
    </message>
    <message>
        <source>The time lies in the future.</source>
        <translation>时间晚于当前时间。</translation>
    </message>
    <message>
        <source>The time lies before the incident was received.</source>
        <translation>时间早于接报时间。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Not allowed by the rules: %1</source>
        <translation>规则不允许：%1</translation>
    </message>
</context>
<context>
    <name>DiscardGuard</name>
    <message>
        <source>Discard what has been typed?</source>
        <translation>放弃已填写的内容？</translation>
    </message>
    <message>
        <source>What has been typed in this form is not saved.</source>
        <translation>本表单中已填写的内容尚未保存。</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续填写</translation>
    </message>
</context>
<context>
    <name>DutyReportDialog</name>
    <message>
        <source>Daily duty report</source>
        <translation>值班日报</translation>
    </message>
    <message>
        <source>Export XLSX</source>
        <translation>导出XLSX</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>导出PDF</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Include demo data</source>
        <translation>包含演示数据</translation>
    </message>
    <message>
        <source>This report includes demo data: it is not the duty report.</source>
        <translation>本日报包含演示数据，不得作为正式值班日报报送。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>%1-%2-%3</source>
        <translation>%1年%2月%3日</translation>
    </message>
    <message>
        <source>Xiao County Emergency Management Bureau duty report, %1</source>
        <translation>萧县应急管理局值班日报 %1</translation>
    </message>
    <message>
        <source>Made at</source>
        <translation>生成时间</translation>
    </message>
    <message>
        <source>1. Overview</source>
        <translation>一、概况</translation>
    </message>
    <message>
        <source>2. Shifts</source>
        <translation>二、值班安排</translation>
    </message>
    <message>
        <source>3. Incidents</source>
        <translation>三、突发事件</translation>
    </message>
    <message>
        <source>4. Handovers</source>
        <translation>四、交接班</translation>
    </message>
    <message>
        <source>5. Open handover items</source>
        <translation>五、未办结交接事项</translation>
    </message>
    <message>
        <source>Incidents received: %1 (real %2, drills %3); closed %4, still open %5.</source>
        <translation>当日接报突发事件 %1 起（真实事件 %2 起，演练 %3 起），已结束 %4 起，未结束 %5 起。</translation>
    </message>
    <message>
        <source>Real incidents by category: %1.</source>
        <translation>真实事件分类：%1。</translation>
    </message>
    <message>
        <source>Handovers: %1; open handover items: %2; incidents not closed (all days): %3.</source>
        <translation>当日交接班 %1 次；交接事项未办结 %2 项；全部未结束突发事件 %3 起。</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Leader on duty</source>
        <translation>带班领导</translation>
    </message>
    <message>
        <source>Duty officers</source>
        <translation>值班员</translation>
    </message>
    <message>
        <source>No shift on this day.</source>
        <translation>当日无排班。</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接报时间</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Drill</source>
        <translation>演练</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>drill</source>
        <translation>演练</translation>
    </message>
    <message>
        <source>No incident received on this day.</source>
        <translation>当日无接报。</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>交班时间</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Handed over by</source>
        <translation>交班人</translation>
    </message>
    <message>
        <source>By</source>
        <translation>提出人</translation>
    </message>
    <message>
        <source>Taken over</source>
        <translation>接班确认</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>事项数</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>未确认</translation>
    </message>
    <message>
        <source>No handover on this day.</source>
        <translation>当日无交接班记录。</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>提出时间</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <source>duty-report-%1</source>
        <translation>值班日报-%1</translation>
    </message>
    <message>
        <source>Writing %1…</source>
        <translation>正在写入 %1…</translation>
    </message>
    <message>
        <source>The PDF could not be written: %1</source>
        <translation>无法写入PDF：%1</translation>
    </message>
    <message>
        <source>Sent to the printer.</source>
        <translation>已发送到打印机。</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>The file could not be written: %1</source>
        <translation>无法写入文件：%1</translation>
    </message>
</context>
<context>
    <name>Forms</name>
    <message>
        <source>Cannot be negative.</source>
        <translation>不能为负数。</translation>
    </message>
    <message>
        <source>Enter a number.</source>
        <translation>请输入数字。</translation>
    </message>
    <message>
        <source>Enter a whole number.</source>
        <translation>请输入整数。</translation>
    </message>
    <message>
        <source>At most %1 decimal places.</source>
        <translation>最多 %1 位小数。</translation>
    </message>
    <message>
        <source>At most %1.</source>
        <translation>不能大于 %1。</translation>
    </message>
    <message>
        <source>Only digits, spaces, dashes, &apos;+&apos;, parentheses and an extension (e.g. 0557-5021234 ext. 801).</source>
        <translation>只能填写数字、空格、短横线、加号、括号和分机号(如 0557-5021234 转 801)。</translation>
    </message>
    <message>
        <source>At most %1 characters.</source>
        <translation>最多 %1 个字符。</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Take over the watch</source>
        <translation>接班确认</translation>
    </message>
    <message>
        <source>Confirm taking over</source>
        <translation>确认接班</translation>
    </message>
    <message>
        <source>Hand over the watch</source>
        <translation>交接班</translation>
    </message>
    <message>
        <source>Confirm handover</source>
        <translation>确认交班</translation>
    </message>
    <message>
        <source>Outgoing shift</source>
        <translation>交班班次</translation>
    </message>
    <message>
        <source>Incoming shift</source>
        <translation>接班班次</translation>
    </message>
    <message>
        <source>Open items carried over (tick to close)</source>
        <translation>遗留未办结事项（勾选即办结）</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>关联事件</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>提出时间</translation>
    </message>
    <message>
        <source>Closing note</source>
        <translation>办结说明</translation>
    </message>
    <message>
        <source>No open items.</source>
        <translation>没有未办结事项。</translation>
    </message>
    <message>
        <source>Summary of the shift</source>
        <translation>本班情况摘要</translation>
    </message>
    <message>
        <source>What happened on this shift, what the next shift must know</source>
        <translation>本班发生了什么，下一班需要知道什么</translation>
    </message>
    <message>
        <source>New items to hand over</source>
        <translation>新增交接事项</translation>
    </message>
    <message>
        <source>What is still to be done</source>
        <translation>尚待办理的事项</translation>
    </message>
    <message>
        <source>(no incident)</source>
        <translation>（不关联事件）</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Optional, e.g. questions about an item</source>
        <translation>可选，例如对某事项的疑问</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source> [drill]</source>
        <translation> [演练]</translation>
    </message>
    <message>
        <source>No handover is waiting to be taken over.</source>
        <translation>没有待确认的交班。</translation>
    </message>
    <message>
        <source>Handover from %1</source>
        <translation>%1 的交班</translation>
    </message>
    <message>
        <source>Handed over at</source>
        <translation>交班时间</translation>
    </message>
    <message>
        <source>Shifts</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Items raised</source>
        <translation>交接事项</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>The outgoing and incoming shift are the same.</source>
        <translation>交班班次与接班班次相同。</translation>
    </message>
    <message>
        <source>That shift no longer exists.</source>
        <translation>该班次已不存在。</translation>
    </message>
    <message>
        <source>Write a summary, add an item or close one: there is nothing to hand over.</source>
        <translation>请填写摘要、添加或办结事项：当前没有可交接的内容。</translation>
    </message>
    <message>
        <source>An item needs a text.</source>
        <translation>事项内容不能为空。</translation>
    </message>
    <message>
        <source>An item&apos;s text is too long.</source>
        <translation>事项内容过长。</translation>
    </message>
    <message>
        <source>A linked incident no longer exists.</source>
        <translation>关联的事件已不存在。</translation>
    </message>
    <message>
        <source>An item to close no longer exists.</source>
        <translation>要办结的事项已不存在。</translation>
    </message>
    <message>
        <source>Someone else closed an item you ticked meanwhile; the list shows it now.</source>
        <translation>您勾选的事项已被他人办结，列表已刷新。</translation>
    </message>
    <message>
        <source>A note is too long (at most 256 characters).</source>
        <translation>备注过长（最多256字）。</translation>
    </message>
    <message>
        <source>That handover no longer exists.</source>
        <translation>该交班记录已不存在。</translation>
    </message>
    <message>
        <source>This handover has been taken over already (by another seat).</source>
        <translation>该交班已被确认接班（可能是其他席位）。</translation>
    </message>
    <message>
        <source>Not allowed by the rules: %1</source>
        <translation>不符合规则：%1</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1 (incoming shift)</source>
        <translation>%1（接班）</translation>
    </message>
    <message>
        <source>Choose who takes over.</source>
        <translation>请选择接班人。</translation>
    </message>
    <message>
        <source>Incoming person</source>
        <translation>接班人</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN 或密码</translation>
    </message>
    <message>
        <source>Signed by the incoming person</source>
        <translation>接班人签名</translation>
    </message>
    <message>
        <source>The incoming person enters their PIN or password.</source>
        <translation>请接班人输入本人的 PIN 或密码。</translation>
    </message>
    <message>
        <source>The person taking over chooses their name and enters their PIN or password. The takeover is recorded as theirs; whoever is signed in at this seat stays signed in.</source>
        <translation>接班人选择本人姓名并输入 PIN 或密码。接班确认记在接班人名下；本席位的登录人员不变。</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import roster</source>
        <translation>导入值班表</translation>
    </message>
    <message>
        <source>%1: %2 shift(s) to import, %3 row(s) with errors.</source>
        <translation>%1:可导入 %2 个班次,%3 行有错误。</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Duty officers</source>
        <translation>值班员</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Warnings (not errors): %1</source>
        <translation>提示(非错误):%1 条</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Skipped note rows: %1</source>
        <translation>已跳过说明行:第 %1 行</translation>
    </message>
    <message>
        <source>People not in the staff list (%1)</source>
        <translation>人员与AB岗中没有的人员(%1 人)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>所在行</translation>
    </message>
    <message>
        <source>Add these people to Staff and A/B posts</source>
        <translation>添加这些人员到人员与AB岗</translation>
    </message>
</context>
<context>
    <name>IncidentActions</name>
    <message>
        <source>The handling flow does not allow this step from the current status.</source>
        <translation>处置流程不允许从当前状态进行此步骤。</translation>
    </message>
    <message>
        <source>Starting a response needs a response level.</source>
        <translation>启动响应须选择响应级别。</translation>
    </message>
    <message>
        <source>The response level must be level I to level IV.</source>
        <translation>响应级别须为Ⅰ级至Ⅳ级。</translation>
    </message>
    <message>
        <source>Starting a response needs the name of the emergency plan.</source>
        <translation>启动响应须填写所启动的应急预案。</translation>
    </message>
    <message>
        <source>The plan name is too long (at most 200 characters).</source>
        <translation>预案名称过长(最多 200 字)。</translation>
    </message>
    <message>
        <source>A response level is only given when starting a response.</source>
        <translation>只有启动响应时才填写响应级别。</translation>
    </message>
    <message>
        <source>This incident no longer exists.</source>
        <translation>该事件已不存在。</translation>
    </message>
    <message>
        <source>The entry needs some text.</source>
        <translation>记录内容不能为空。</translation>
    </message>
    <message>
        <source>Status changes and reports have their own buttons.</source>
        <translation>状态变更和上报请使用各自的按钮。</translation>
    </message>
    <message>
        <source>The entry to correct does not belong to this incident.</source>
        <translation>要更正的记录不属于该事件。</translation>
    </message>
    <message>
        <source>The time has no time zone.</source>
        <translation>时间缺少时区。</translation>
    </message>
    <message>
        <source>The time lies in the future.</source>
        <translation>时间晚于当前时间。</translation>
    </message>
    <message>
        <source>The time lies before the incident was received.</source>
        <translation>时间早于接报时间。</translation>
    </message>
    <message>
        <source>Not allowed by the rules: %1</source>
        <translation>不符合规则:%1</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <source>Next step:</source>
        <translation>办理:</translation>
    </message>
    <message>
        <source>(no further steps)</source>
        <translation>(流程已结束)</translation>
    </message>
    <message>
        <source>Update statistics…</source>
        <translation>统计更新…</translation>
    </message>
    <message>
        <source>Figures of the natural-disaster statistics, and basic living assistance</source>
        <translation>自然灾害情况统计数据及基本生活救助情况</translation>
    </message>
    <message>
        <source>Add to the log (Enter)…</source>
        <translation>添加记录(回车)…</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Correct selected entry</source>
        <translation>更正所选记录</translation>
    </message>
    <message>
        <source>Adds the text as a correction of the entry selected in the log; the original stays as it was.</source>
        <translation>以输入的文字更正时间线中选中的记录;原记录保留不变。</translation>
    </message>
    <message>
        <source>What was reported, to whom</source>
        <translation>上报内容、报送对象</translation>
    </message>
    <message>
        <source>Record report</source>
        <translation>记录上报</translation>
    </message>
    <message>
        <source>Start response…</source>
        <translation>启动响应…</translation>
    </message>
    <message>
        <source>This incident was updated by someone else; it has been reloaded, try again.</source>
        <translation>该事件已被他人更新,已刷新,请重试</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存:%1</translation>
    </message>
    <message>
        <source>Report deadlines unavailable</source>
        <translation>上报时限暂不可用</translation>
    </message>
    <message>
        <source>All reports made</source>
        <translation>均已上报</translation>
    </message>
    <message>
        <source>%1 overdue by %2</source>
        <translation>%1 已超时 %2</translation>
    </message>
    <message>
        <source>%1 due in %2</source>
        <translation>%1 剩余 %2</translation>
    </message>
    <message>
        <source>Due at %1</source>
        <translation>截止时间:%1</translation>
    </message>
    <message>
        <source>No first report has been made for this incident yet. Record a follow-up report anyway?</source>
        <translation>此事件尚未报送初报，确定报送续报？</translation>
    </message>
    <message>
        <source>“%1” is a drill, not a real incident. Record this %2 for it?</source>
        <translation>“%1”是演练，不是真实突发事件。确定为其记录此%2？</translation>
    </message>
    <message>
        <source>The report text has no drill mark (【演练】): it could be taken for a real incident.</source>
        <translation>报告文本中没有【演练】标注，可能被误当作真实事件。</translation>
    </message>
    <message>
        <source>The incident is already at “%1”; there is nothing to do again.</source>
        <translation>该事件已处于“%1”状态，无需重复操作。</translation>
    </message>
    <message>
        <source>The incident has already been closed; “%1” is no longer possible.</source>
        <translation>该事件已结束，不能再进行“%1”。</translation>
    </message>
    <message>
        <source>The incident is already at “%2”, past “%1”; there is nothing to do.</source>
        <translation>该事件已处于“%2”状态，已过“%1”这一步，无需操作。</translation>
    </message>
    <message>
        <source>Close “%1”? Closing cannot be undone: the incident takes no further steps and owes its final report.</source>
        <translation>确定结束事件“%1”？结束后不能撤销：事件不再有后续步骤，须报送核报。</translation>
    </message>
    <message>
        <source>Close incident</source>
        <translation>结束事件</translation>
    </message>
</context>
<context>
    <name>IncidentFilterBar</name>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>All townships</source>
        <translation>全部乡镇</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Real</source>
        <translation>实战</translation>
    </message>
    <message>
        <source>Drill</source>
        <translation>演练</translation>
    </message>
    <message>
        <source>Search titles and logs…</source>
        <translation>搜索标题和记录…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>筛选</translation>
    </message>
</context>
<context>
    <name>IncidentIntakeDialog</name>
    <message>
        <source>Record an incident report</source>
        <translation>接报登记</translation>
    </message>
    <message>
        <source>What happened, where (short)</source>
        <translation>简述:何地发生何事</translation>
    </message>
    <message>
        <source>This is a drill</source>
        <translation>演练</translation>
    </message>
    <message>
        <source>(not known)</source>
        <translation>(未知)</translation>
    </message>
    <message>
        <source>longitude, e.g. 116.94512</source>
        <translation>经度,例如 116.94512</translation>
    </message>
    <message>
        <source>latitude, e.g. 34.18530</source>
        <translation>纬度,例如 34.18530</translation>
    </message>
    <message>
        <source>Disaster statistics</source>
        <translation>灾情统计</translation>
    </message>
    <message>
        <source>Received at</source>
        <translation>接报时间</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Reported by</source>
        <translation>报告人</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>事件名称</translation>
    </message>
    <message>
        <source>Category, type, severity</source>
        <translation>类别、类型、等级</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Coordinates</source>
        <translation>坐标</translation>
    </message>
    <message>
        <source>dead</source>
        <translation>死亡</translation>
    </message>
    <message>
        <source>injured</source>
        <translation>受伤</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>失踪</translation>
    </message>
    <message>
        <source>Casualties</source>
        <translation>伤亡</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>情况描述</translation>
    </message>
    <message>
        <source>Save (Ctrl+Enter)</source>
        <translation>保存(Ctrl+Enter)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Not saved: please correct the fields marked in red.</source>
        <translation>未保存:请更正红色标出的项目。</translation>
    </message>
    <message>
        <source>Required.</source>
        <translation>必填。</translation>
    </message>
    <message>
        <source>Too long.</source>
        <translation>内容过长。</translation>
    </message>
    <message>
        <source>Choose one of the list.</source>
        <translation>请从列表中选择。</translation>
    </message>
    <message>
        <source>The time received cannot be later than now.</source>
        <translation>接报时间不能晚于当前时间。</translation>
    </message>
    <message>
        <source>Cannot be negative.</source>
        <translation>不能为负数。</translation>
    </message>
    <message>
        <source>Enter a number, e.g. 116.94512.</source>
        <translation>请输入数字,例如 116.94512。</translation>
    </message>
    <message>
        <source>Enter both longitude and latitude.</source>
        <translation>经度和纬度都要填写。</translation>
    </message>
    <message>
        <source>These are not valid coordinates.</source>
        <translation>坐标无效。</translation>
    </message>
    <message>
        <source>This place is outside Xiao County.</source>
        <translation>该位置不在萧县境内。</translation>
    </message>
    <message>
        <source>Longitude and latitude seem to be swapped.</source>
        <translation>经纬度疑似颠倒。</translation>
    </message>
    <message>
        <source>The time has no time zone.</source>
        <translation>时间缺少时区。</translation>
    </message>
    <message>
        <source>Report saved, figures not saved: %1</source>
        <translation>接报已保存，灾情统计未保存：%1</translation>
    </message>
    <message>
        <source>Everything typed here is kept; save again when the connection is back.</source>
        <translation>已填写的内容均已保留,连接恢复后请再次保存。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存:%1</translation>
    </message>
    <message>
        <source>Give the coordinates, the township or the address.</source>
        <translation>坐标、乡镇、地址至少填写一项。</translation>
    </message>
</context>
<context>
    <name>IncidentPanel</name>
    <message>
        <source>Filter incidents…</source>
        <translation>筛选突发事件…</translation>
    </message>
    <message>
        <source>Select an incident to see its log.</source>
        <translation>选择一条突发事件查看处置记录。</translation>
    </message>
    <message>
        <source>Report text…</source>
        <translation>报告文本…</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <source>No incident matches the search and filters.</source>
        <translation>没有符合搜索和筛选条件的突发事件。</translation>
    </message>
    <message numerus="yes">
        <source>%n incident(s) match</source>
        <translation>
            <numerusform>%n 起突发事件符合条件</numerusform>
        </translation>
    </message>
    <message>
        <source>Log of: %1</source>
        <translation>处置记录:%1</translation>
    </message>
    <message>
        <source>(drill)</source>
        <translation>(演练)</translation>
    </message>
    <message>
        <source>(correction) %1</source>
        <translation>(更正)%1</translation>
    </message>
    <message>
        <source>First, follow-up or final report of the selected incident: copy, XLSX, PDF</source>
        <translation>所选事件的初报/续报/核报文本:复制、导出 XLSX、PDF</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Who changed this incident and its log, when, from which seat</source>
        <translation>谁在何时、从哪个席位修改了此事件及其日志</translation>
    </message>
</context>
<context>
    <name>IncidentReportDialog</name>
    <message>
        <source>Incident report</source>
        <translation>突发事件信息报告</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Build the text again from the incident and its log (edits are lost)</source>
        <translation>根据事件及其处置记录重新生成文本（已做的修改将丢失）</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Export XLSX</source>
        <translation>导出XLSX</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>导出PDF</translation>
    </message>
    <message>
        <source>Record as reported</source>
        <translation>记录为已上报</translation>
    </message>
    <message>
        <source>Record in the incident&apos;s log that this report was made upward now</source>
        <translation>在事件处置记录中登记：此报告已于此刻向上级报送</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>报告类型</translation>
    </message>
    <message>
        <source>The text may be edited before it is exported.</source>
        <translation>导出前可直接修改报告文字。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Writing %1…</source>
        <translation>正在写入 %1…</translation>
    </message>
    <message>
        <source>The PDF could not be written: %1</source>
        <translation>无法写入PDF：%1</translation>
    </message>
    <message>
        <source>Recording…</source>
        <translation>正在登记…</translation>
    </message>
    <message>
        <source>Recorded in the log: %1 made.</source>
        <translation>已登记到处置记录：%1已报送。</translation>
    </message>
    <message>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <source>The file could not be written: %1</source>
        <translation>无法写入文件：%1</translation>
    </message>
    <message>
        <source>Next steps (for 下一步工作 in the report):</source>
        <translation>下一步工作（写入报告“四、下一步工作”）：</translation>
    </message>
    <message>
        <source>Left empty, the report says: %1</source>
        <translation>不填写时，报告写：%1</translation>
    </message>
    <message>
        <source>Not recorded.</source>
        <translation>未记录。</translation>
    </message>
</context>
<context>
    <name>LazyIncidentModel</name>
    <message>
        <source>Received</source>
        <translation>接报时间</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>事件名称</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Log entries</source>
        <translation>记录数</translation>
    </message>
    <message>
        <source>[DRILL] </source>
        <translation>【演练】</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Xiao County Emergency Command Center</source>
        <translation>萧县应急指挥中心</translation>
    </message>
    <message>
        <source>Emergency map</source>
        <translation>应急一张图</translation>
    </message>
    <message>
        <source>Duty roster</source>
        <translation>值班值守</translation>
    </message>
    <message>
        <source>Incident log</source>
        <translation>突发事件</translation>
    </message>
    <message>
        <source>Resources</source>
        <translation>应急资源</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Database: %1 %2</source>
        <translation>数据库:%1 %2</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>User: %1</source>
        <translation>当前用户:%1</translation>
    </message>
    <message>
        <source>Site: %1</source>
        <translation>席位：%1</translation>
    </message>
    <message>
        <source>DEMO DATA</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <source>This database holds demo rows; they are not real data.</source>
        <translation>本数据库含有演示数据,并非真实数据。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New incident report…</source>
        <translation>接报登记(&amp;N)…</translation>
    </message>
    <message>
        <source>Disaster statistics…</source>
        <translation>灾情统计…</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Duty</source>
        <translation>值班(&amp;D)</translation>
    </message>
    <message>
        <source>Hand over the shift…</source>
        <translation>交接班…</translation>
    </message>
    <message>
        <source>Acknowledge the handover…</source>
        <translation>接班确认…</translation>
    </message>
    <message>
        <source>Daily duty report…</source>
        <translation>值班日报…</translation>
    </message>
    <message>
        <source>Staff and A/B posts…</source>
        <translation>人员与AB岗…</translation>
    </message>
    <message>
        <source>Duty settings…</source>
        <translation>值班设置…</translation>
    </message>
    <message>
        <source>Reporting deadlines…</source>
        <translation>报告时限设置…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>Database connection…</source>
        <translation>数据库连接…</translation>
    </message>
    <message>
        <source>Offline basemap (MBTiles)…</source>
        <translation>离线底图(MBTiles)…</translation>
    </message>
    <message>
        <source>No basemap</source>
        <translation>不使用底图</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The program will use this database the next time it starts.</source>
        <translation>程序下次启动时将使用此数据库。</translation>
    </message>
    <message>
        <source>Choose an offline basemap</source>
        <translation>选择离线底图</translation>
    </message>
    <message>
        <source>MBTiles map files (*.mbtiles);;All files (*)</source>
        <translation>MBTiles 底图文件 (*.mbtiles);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Basemap: %1</source>
        <translation>底图:%1</translation>
    </message>
    <message>
        <source>The language will change the next time the program starts.</source>
        <translation>界面语言将在下次启动程序时生效。</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Connection lost, retrying…</source>
        <translation>连接中断,正在重试…</translation>
    </message>
    <message>
        <source>Incident report recorded.</source>
        <translation>接报已登记。</translation>
    </message>
    <message>
        <source>Overdue reports %1</source>
        <translation>超时未报 %1</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>应于 %1 前上报</translation>
    </message>
    <message>
        <source>Count demo data in alarms</source>
        <translation>超时提醒包含演示数据</translation>
    </message>
    <message>
        <source>Demo incidents count in 'overdue reports' only when this is ticked.</source>
        <translation>勾选后，演示事件才计入“超时未报”。</translation>
    </message>
</context>
<context>
    <name>MapPage</name>
    <message>
        <source>Emergency map</source>
        <translation>应急一张图</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1&#x3000;%2</translation>
    </message>
    <message>
        <source> (drill)</source>
        <translation>（演练）</translation>
    </message>
    <message>
        <source>[Drill] </source>
        <translation>【演练】</translation>
    </message>
    <message>
        <source>newest</source>
        <translation>最新</translation>
    </message>
    <message>
        <source>%1 · room for %2</source>
        <translation>%1&#x3000;容纳 %2 人</translation>
    </message>
    <message>
        <source>%1 · %2 / %3 sheltered</source>
        <translation>%1&#x3000;已安置 %2 / %3 人</translation>
    </message>
    <message>
        <source>%1 shelter</source>
        <translation>%1避难场所</translation>
    </message>
    <message>
        <source>%1 supply item(s) need attention</source>
        <translation>物资需关注 %1 项</translation>
    </message>
    <message>
        <source>%1 kind(s) of supplies</source>
        <translation>物资 %1 种</translation>
    </message>
    <message>
        <source>%1 kind(s) of supplies, %2 need attention</source>
        <translation>物资 %1 种，需关注 %2 项</translation>
    </message>
    <message>
        <source>%1 · %2 members</source>
        <translation>%1&#x3000;%2 人</translation>
    </message>
    <message>
        <source>Risk level: %1</source>
        <translation>风险等级：%1</translation>
    </message>
    <message>
        <source>Status: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Received: %1</source>
        <translation>接报：%1</translation>
    </message>
    <message>
        <source>Township: %1</source>
        <translation>乡镇：%1</translation>
    </message>
    <message>
        <source>Longitude %1  Latitude %2</source>
        <translation>经度 %1&#x3000;纬度 %2</translation>
    </message>
    <message>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>收起</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>展开</translation>
    </message>
    <message>
        <source>Hazards (colour: risk level)</source>
        <translation>风险隐患点（颜色：风险等级）</translation>
    </message>
    <message>
        <source>Hazards (shape: type)</source>
        <translation>风险隐患点（形状：类型）</translation>
    </message>
    <message>
        <source>Open (dark part: share occupied)</source>
        <translation>开放（深色为已安置比例）</translation>
    </message>
    <message>
        <source>Depot or reserve point</source>
        <translation>储备库（点）</translation>
    </message>
    <message>
        <source>Red ring: supplies short or expired</source>
        <translation>红圈：物资短缺或过期</translation>
    </message>
    <message>
        <source>Incidents (colour: severity)</source>
        <translation>突发事件（颜色：事件等级）</translation>
    </message>
    <message>
        <source>Drill (dashed, faded)</source>
        <translation>演练（虚线、半透明）</translation>
    </message>
    <message>
        <source>Dark pulsing ring: newest report</source>
        <translation>深色脉动圈：最新接报</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>County boundary</source>
        <translation>县界</translation>
    </message>
    <message>
        <source>Township seat</source>
        <translation>乡镇驻地</translation>
    </message>
    <message>
        <source>Blue ring: selected</source>
        <translation>蓝圈：当前选中</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <source>Click the place on the map. Esc cancels.</source>
        <translation>请在地图上单击要选的位置，按 Esc 取消。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Emergency map</source>
        <translation>应急一张图</translation>
    </message>
    <message>
        <source>Search place or feature…</source>
        <translation>搜索地点或要素…</translation>
    </message>
    <message>
        <source>Whole county</source>
        <translation>全县</translation>
    </message>
    <message>
        <source>Record an incident here</source>
        <translation>在此登记突发事件</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Hazard</source>
        <translation>风险隐患点</translation>
    </message>
    <message>
        <source>Shelter</source>
        <translation>避难场所</translation>
    </message>
    <message>
        <source>Supply depot</source>
        <translation>物资储备库</translation>
    </message>
    <message>
        <source>Rescue team</source>
        <translation>救援队伍</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>突发事件</translation>
    </message>
    <message>
        <source>missing coordinates</source>
        <translation>缺少坐标</translation>
    </message>
    <message>
        <source>coordinates not numbers</source>
        <translation>坐标不是数字</translation>
    </message>
    <message>
        <source>coordinates out of range</source>
        <translation>坐标超出范围</translation>
    </message>
    <message>
        <source>latitude and longitude look swapped</source>
        <translation>经纬度疑似颠倒</translation>
    </message>
    <message>
        <source>outside the county</source>
        <translation>位于县界外</translation>
    </message>
    <message>
        <source>, </source>
        <translation>,</translation>
    </message>
    <message numerus="yes">
        <source>%n feature(s) not shown: %1</source>
        <translation>
            <numerusform>%n 个要素未显示:%1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n feature(s) shown outside the county</source>
        <translation>
            <numerusform>%n 个要素位于县界外(已显示)</numerusform>
        </translation>
    </message>
    <message>
        <source>; </source>
        <translation>;</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(无名称)</translation>
    </message>
    <message>
        <source>%1 and %2 more</source>
        <translation>%1 等 %2 个</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1:%2</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1(%2)</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>the folder does not exist</source>
        <translation>文件夹不存在</translation>
    </message>
    <message>
        <source>no permission to write there</source>
        <translation>没有写入权限</translation>
    </message>
    <message>
        <source>the disk is read-only</source>
        <translation>磁盘是只读的</translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <source>a folder has that name</source>
        <translation>已有同名文件夹</translation>
    </message>
    <message>
        <source>the file name is too long</source>
        <translation>文件名太长</translation>
    </message>
    <message>
        <source>the file is open in another program</source>
        <translation>文件正被其他程序打开</translation>
    </message>
    <message>
        <source>The database %1 was made by a newer version of this program. Install the newer version; this one will not change the database.</source>
        <translation>数据库 %1 由本程序的更新版本创建。请安装更新版本;本程序不会改动该数据库。</translation>
    </message>
    <message>
        <source>The database %1 is locked by another program. Close the other program or wait a moment, then try again.</source>
        <translation>数据库 %1 正被其他程序占用。请关闭该程序或稍候,然后重试。</translation>
    </message>
    <message>
        <source>The database %1 is read-only. Check the file&apos;s permissions or the disk.</source>
        <translation>数据库 %1 为只读。请检查文件权限或磁盘。</translation>
    </message>
    <message>
        <source>Cannot connect to the database server %1. Check the network and that the server is running.</source>
        <translation>无法连接数据库服务器 %1。请检查网络以及服务器是否运行。</translation>
    </message>
    <message>
        <source>The database server %1 refused the login. Check the user name and password.</source>
        <translation>数据库服务器 %1 拒绝登录。请检查用户名和密码。</translation>
    </message>
    <message>
        <source>The file %1 is not a usable database (damaged or not a database). Restore it from a backup or choose another file.</source>
        <translation>文件 %1 不是可用的数据库(已损坏或并非数据库文件)。请从备份恢复或选择其他文件。</translation>
    </message>
    <message>
        <source>The database %1 does not exist or cannot be opened.</source>
        <translation>数据库 %1 不存在或无法打开。</translation>
    </message>
    <message>
        <source>Someone else changed this record in %1 first. Reload it and apply your change again.</source>
        <translation>此记录已被他人在 %1 中修改。请重新载入后再次修改。</translation>
    </message>
    <message>
        <source>The disk holding the database %1 is full.</source>
        <translation>数据库 %1 所在磁盘已满。</translation>
    </message>
    <message>
        <source>The database %1 was busy with another seat&apos;s change. Nothing was saved; try again.</source>
        <translation>数据库 %1 正在处理其他席位的修改,本次未保存,请重试。</translation>
    </message>
    <message>
        <source>The database %1 could not be upgraded; it has been left unchanged.</source>
        <translation>数据库 %1 升级失败,未做任何改动。</translation>
    </message>
    <message>
        <source>The database %1 refused the change because it breaks one of its rules (a required value is missing, a value that must be unique is already used, or a record it refers to is gone). Nothing was saved. Reload, check the entries and try again.</source>
        <translation>数据库 %1 拒绝了此次修改,因为它违反了数据库的规则(缺少必填值、应唯一的值已被使用,或引用的记录已不存在)。未保存任何内容。请重新载入,检查填写内容后重试。</translation>
    </message>
    <message>
        <source>The database %1 does not allow this login or this program to do that. Ask the database administrator for the rights, or check the file&apos;s permissions.</source>
        <translation>数据库 %1 不允许此登录账号或本程序执行该操作。请向数据库管理员申请权限,或检查文件权限。</translation>
    </message>
    <message>
        <source>The disk or file holding the database %1 could not be read or written. Check the disk and its connection (network drive, USB disk), then try again.</source>
        <translation>无法读写数据库 %1 所在的磁盘或文件。请检查磁盘及其连接(网络驱动器、U 盘),然后重试。</translation>
    </message>
    <message>
        <source>A fault in this program (a bug) stopped this action: %1. Nothing was saved beyond what the screen shows. The details are in the log file %2; please send it to whoever maintains the program.</source>
        <translation>本程序出现故障(程序缺陷),此操作已中止:%1。除屏幕上显示的内容外,未保存任何其他内容。详细信息见日志文件 %2,请将该文件发送给程序维护人员。</translation>
    </message>
    <message>
        <source>A fault in this program (a bug) stopped this action: %1. Nothing was saved beyond what the screen shows. Please report it to whoever maintains the program.</source>
        <translation>本程序出现故障(程序缺陷),此操作已中止:%1。除屏幕上显示的内容外,未保存任何其他内容。请告知程序维护人员。</translation>
    </message>
</context>
<context>
    <name>OccupancyDialog</name>
    <message>
        <source>Shelter check-in / check-out: %1</source>
        <translation>安置登记：%1</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>入住</translation>
    </message>
    <message>
        <source>Check out</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>number of people, e.g. 25</source>
        <translation>人数，例如 25</translation>
    </message>
    <message>
        <source>Optional, e.g. which village, which households</source>
        <translation>可选，例如哪个村（社区）、哪几户</translation>
    </message>
    <message>
        <source>Movement</source>
        <translation>登记类型</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Recorded by</source>
        <translation>登记人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>This shelter no longer exists.</source>
        <translation>该避难场所已不存在。</translation>
    </message>
    <message>
        <source>Now %1 / %2 people · %3</source>
        <translation>现有 %1 / %2 人 · %3</translation>
    </message>
    <message>
        <source> · nearly full</source>
        <translation> · 接近满员</translation>
    </message>
    <message>
        <source>The shelter is closed: nobody can be checked in.</source>
        <translation>该场所已关闭，不能入住。</translation>
    </message>
    <message>
        <source>Then %1 / %2 people: more than it holds.</source>
        <translation>登记后 %1 / %2 人：超过容纳人数。</translation>
    </message>
    <message>
        <source>More people than the %1 inside.</source>
        <translation>多于场所内现有的 %1 人。</translation>
    </message>
    <message>
        <source>Then %1 / %2 people (%3)</source>
        <translation>登记后 %1 / %2 人（%3）</translation>
    </message>
    <message>
        <source>Not recorded: please correct the fields marked in red.</source>
        <translation>未登记：请更正标红的栏目。</translation>
    </message>
    <message>
        <source>People must be a positive whole number; for people leaving choose “Check out”.</source>
        <translation>人数应为正整数；有人离开请选“离开”。</translation>
    </message>
    <message>
        <source>People must be a positive whole number.</source>
        <translation>人数应为正整数。</translation>
    </message>
    <message>
        <source>Enter the number of people (a whole number), e.g. 25.</source>
        <translation>请输入人数（整数），例如 25。</translation>
    </message>
    <message>
        <source>The time cannot be later than now.</source>
        <translation>登记时间不能晚于现在。</translation>
    </message>
    <message>
        <source>Not recorded: %1</source>
        <translation>未登记：%1</translation>
    </message>
    <message>
        <source>Not recorded: the shelter is closed; nobody can be checked in.</source>
        <translation>未登记：该避难场所已关闭，不能登记入住。</translation>
    </message>
    <message>
        <source>Not recorded: the shelter is full (%1 / %2 people); nobody more can be checked in.</source>
        <translation>未登记：该避难场所已满（%1 / %2 人），不能再入住。</translation>
    </message>
    <message>
        <source>Not recorded: only %1 more people fit (now %2 / %3).</source>
        <translation>未登记：最多还能入住 %1 人（现有 %2 / 容纳 %3 人）。</translation>
    </message>
    <message>
        <source>Not recorded: more people leaving than the %1 in the shelter.</source>
        <translation>未登记：离开的人数多于场所内现有的 %1 人。</translation>
    </message>
    <message>
        <source>Not recorded: this shelter no longer exists.</source>
        <translation>未登记：该避难场所已不存在。</translation>
    </message>
    <message>
        <source>Not recorded: the time lies in the future.</source>
        <translation>未登记：登记时间晚于现在。</translation>
    </message>
    <message>
        <source>Not recorded: the note is too long.</source>
        <translation>未登记：备注太长。</translation>
    </message>
    <message>
        <source>Not recorded: not allowed by the rules (%1).</source>
        <translation>未登记：不符合规则（%1）。</translation>
    </message>
</context>
<context>
    <name>OnDutyCard</name>
    <message>
        <source>On duty now</source>
        <translation>当前值班</translation>
    </message>
    <message>
        <source>Leader on duty:</source>
        <translation>带班领导:</translation>
    </message>
    <message>
        <source>Duty officers:</source>
        <translation>值班员:</translation>
    </message>
    <message>
        <source>Shift ends:</source>
        <translation>交班时间:</translation>
    </message>
    <message>
        <source>Nobody is on duty now: the roster has a gap!</source>
        <translation>当前无人值班:排班存在空档!</translation>
    </message>
    <message>
        <source>Below minimum staffing: %1</source>
        <translation>低于最低值班配置:%1</translation>
    </message>
</context>
<context>
    <name>ReportingRulesDialog</name>
    <message>
        <source>Reporting deadlines</source>
        <translation>报告时限设置</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>First report (%1) within</source>
        <translation>%1 初报时限</translation>
    </message>
    <message>
        <source> h</source>
        <translation> 小时</translation>
    </message>
    <message>
        <source>Daily follow-up report at</source>
        <translation>每日续报时间</translation>
    </message>
    <message>
        <source>First follow-up, at least after the first report is due</source>
        <translation>首次续报距初报时限至少</translation>
    </message>
    <message>
        <source>Final report, within after closure</source>
        <translation>核报时限（事件结束后）</translation>
    </message>
    <message>
        <source>Warn before a deadline</source>
        <translation>到期前提醒</translation>
    </message>
    <message>
        <source>These deadlines apply to every seat of the command center.</source>
        <translation>以上时限适用于指挥中心的所有席位。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Another seat changed the reporting deadlines meanwhile. Their values are shown now; change them again if needed and save.</source>
        <translation>其他席位刚刚修改了报告时限，现已显示其设置；如需调整请重新修改后保存。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>Count drills' missed deadlines (apart from real incidents)</source>
        <translation>演练的超时单独计数（与真实事件分开）</translation>
    </message>
    <message>
        <source> (min)</source>
        <translation>（分钟）</translation>
    </message>
    <message>
        <source> (h)</source>
        <translation>（小时）</translation>
    </message>
    <message>
        <source>At least %1.</source>
        <translation>不能小于 %1。</translation>
    </message>
    <message>
        <source>Not saved: correct the fields marked in red.</source>
        <translation>未保存：请更正标红的项目。</translation>
    </message>
</context>
<context>
    <name>ResourcePanel</name>
    <message>
        <source>Filter by name, township, contact…</source>
        <translation>按名称、乡镇、联系人筛选…</translation>
    </message>
    <message>
        <source>Hazard sites</source>
        <translation>风险隐患点</translation>
    </message>
    <message>
        <source>Shelters</source>
        <translation>避难场所</translation>
    </message>
    <message>
        <source>Supply depots</source>
        <translation>物资储备库</translation>
    </message>
    <message>
        <source>Rescue teams</source>
        <translation>救援队伍</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Risk level</source>
        <translation>风险等级</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇(街道)</translation>
    </message>
    <message>
        <source>Responsible unit</source>
        <translation>责任单位</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Monitoring</source>
        <translation>监测状态</translation>
    </message>
    <message>
        <source>Rectify by</source>
        <translation>整改期限</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>物资品种</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>需关注</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>管理人</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>容纳人数</translation>
    </message>
    <message>
        <source>Occupancy</source>
        <translation>已安置</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>队员</translation>
    </message>
    <message>
        <source>Volunteers</source>
        <translation>志愿者</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Check in / out…</source>
        <translation>入住/离开登记…</translation>
    </message>
</context>
<context>
    <name>ResponseDialog</name>
    <message>
        <source>Start response</source>
        <translation>启动响应</translation>
    </message>
    <message>
        <source>(choose a level)</source>
        <translation>(请选择级别)</translation>
    </message>
    <message>
        <source>e.g. county flood control plan</source>
        <translation>例如:萧县防汛应急预案</translation>
    </message>
    <message>
        <source>Response level</source>
        <translation>响应级别</translation>
    </message>
    <message>
        <source>Emergency plan</source>
        <translation>应急预案</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Start a %1 for “%2” under %3? A response once started cannot be undone.</source>
        <translation>确定按%3对“%2”启动%1？响应启动后不能撤销。</translation>
    </message>
</context>
<context>
    <name>RosterCalendar</name>
    <message>
        <source>%1/%2</source>
        <translation>%1月%2日</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
    <message>
        <source>%1 short by %2</source>
        <translation>缺%1 %2人</translation>
    </message>
    <message>
        <source>; </source>
        <translation>;</translation>
    </message>
    <message>
        <source>A shift must end after it starts.</source>
        <translation>班次的结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <source>That shift already exists: %1</source>
        <translation>该班次已存在:%1</translation>
    </message>
    <message>
        <source>The shift no longer exists; the roster was reloaded.</source>
        <translation>该班次已不存在,值班表已重新加载。</translation>
    </message>
    <message>
        <source>That person no longer exists.</source>
        <translation>该人员已不存在。</translation>
    </message>
    <message>
        <source>%1 is no longer active and cannot be put on duty.</source>
        <translation>%1 已停用,不能排班。</translation>
    </message>
    <message>
        <source>Only leaders on duty and duty officers can be put on a shift.</source>
        <translation>只能安排带班领导和值班员。</translation>
    </message>
    <message>
        <source>%1 is already on this shift.</source>
        <translation>%1 已在本班次。</translation>
    </message>
    <message>
        <source>Refused: %1 is already on duty at that time.</source>
        <translation>拒绝:%1 在该时段已有值班(时间重叠)。</translation>
    </message>
    <message>
        <source>That person is not on this shift (any more).</source>
        <translation>该人员(已)不在本班次。</translation>
    </message>
    <message>
        <source>The target week already has shifts: nothing was copied.</source>
        <translation>目标周已有班次:未复制任何班次。</translation>
    </message>
    <message>
        <source>The previous week has no shifts to copy.</source>
        <translation>上周没有可复制的班次。</translation>
    </message>
    <message>
        <source>A swap needs the name of who agreed to it.</source>
        <translation>换班须填写同意人。</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>拒绝:%1</translation>
    </message>
    <message>
        <source>Nothing was imported: %1 row(s) have errors.</source>
        <translation>未导入任何内容:%1 行有错误。</translation>
    </message>
    <message>
        <source>Someone else changed the roster at the same time; it was reloaded.</source>
        <translation>他人同时修改了值班表,已重新加载。</translation>
    </message>
    <message>
        <source>The database could not be written: %1</source>
        <translation>无法写入数据库:%1</translation>
    </message>
    <message>
        <source>The operation failed: %1</source>
        <translation>操作失败:%1</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Shift %1</source>
        <translation>班次 %1</translation>
    </message>
    <message>
        <source>Week of %1</source>
        <translation>%1起</translation>
    </message>
    <message>
        <source>%1th</source>
        <translation>%1日</translation>
    </message>
    <message>
        <source>%1th (today)</source>
        <translation>%1日(今天)</translation>
    </message>
    <message>
        <source>%1Leader: %2</source>
        <translation>%1带班:%2</translation>
    </message>
    <message>
        <source>Officers: %1</source>
        <translation>值班:%1</translation>
    </message>
    <message>
        <source>(no shift)</source>
        <translation>(无班次)</translation>
    </message>
    <message>
        <source>next day %1</source>
        <translation>次日%1</translation>
    </message>
    <message>
        <source>Leader: %1</source>
        <translation>带班:%1</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Copy previous week</source>
        <translation>复制上周</translation>
    </message>
    <message>
        <source>Copy the previous week&apos;s shifts into this week</source>
        <translation>把上周的班次和人员复制到本周</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Export month</source>
        <translation>导出本月</translation>
    </message>
    <message>
        <source>Staff (drag onto a shift)</source>
        <translation>人员(拖到班次上)</translation>
    </message>
    <message>
        <source>%1 – %2, %3</source>
        <translation>%3年 %1 – %2</translation>
    </message>
    <message>
        <source>Month %1 of %2</source>
        <translation>%2年%1月</translation>
    </message>
    <message>
        <source>%1 put on duty as %2.</source>
        <translation>已安排 %1 为%2。</translation>
    </message>
    <message>
        <source>The shift&apos;s people were saved.</source>
        <translation>本班次人员已保存。</translation>
    </message>
    <message>
        <source>%1 taken off the shift.</source>
        <translation>已将 %1 移出本班次。</translation>
    </message>
    <message>
        <source>Swap recorded (agreed by %1).</source>
        <translation>换班已记录(同意人:%1)。</translation>
    </message>
    <message>
        <source>%1 shift(s) copied into the week of %2.</source>
        <translation>已复制 %1 个班次到 %2 起的一周。</translation>
    </message>
    <message>
        <source>%1 shift(s) created for %2.</source>
        <translation>已为 %2 新建 %1 个班次。</translation>
    </message>
    <message>
        <source>New shifts by the office&apos;s pattern</source>
        <translation>按值班模式新建班次</translation>
    </message>
    <message>
        <source>%1 shift(s) imported.</source>
        <translation>已导入 %1 个班次。</translation>
    </message>
    <message>
        <source>%1 shift(s) imported; added to the staff list: %2.</source>
        <translation>已导入 %1 个班次；已添加到人员与AB岗：%2。</translation>
    </message>
    <message>
        <source>%1 shift(s) exported to %2.</source>
        <translation>已导出 %1 个班次到 %2。</translation>
    </message>
    <message>
        <source>Import roster</source>
        <translation>导入值班表</translation>
    </message>
    <message>
        <source>Roster files (*.xlsx *.csv)</source>
        <translation>值班表文件 (*.xlsx *.csv)</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>People on duty…</source>
        <translation>编辑值班人员…</translation>
    </message>
    <message>
        <source>Swap %1…</source>
        <translation>换班: %1…</translation>
    </message>
    <message>
        <source>Take %1 off the shift</source>
        <translation>将 %1 移出本班次</translation>
    </message>
    <message>
        <source>added %1</source>
        <translation>新增 %1</translation>
    </message>
    <message>
        <source>removed %1</source>
        <translation>移除 %1</translation>
    </message>
    <message>
        <source>%1 now %2</source>
        <translation>%1 改为%2</translation>
    </message>
    <message>
        <source>Not done: %1 changed this shift at %2 (%3). The shift was reloaded: check it and try again.</source>
        <translation>未执行:%1 已于 %2 修改了该班次(%3)。该班次已重新加载,请核对后重试。</translation>
    </message>
    <message>
        <source>no visible change</source>
        <translation>人员无可见变化</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>他人</translation>
    </message>
    <message>
        <source>The week of %1 already has %2 shift(s): the previous week is not copied. Copying only fills a week without shifts; it never changes or replaces the shifts there.</source>
        <translation>这一周（%1起）已有 %2 个班次，不能复制上周：复制只填入还没有班次的一周，不会改动或替换已有的班次。</translation>
    </message>
    <message>
        <source>The previous week (from %1) has no shifts: there is nothing to copy.</source>
        <translation>上一周（%1起）没有班次，没有可复制的。</translation>
    </message>
    <message>
        <source>Copy the %1 shift(s) of the week of %2, with their people, into the week of %3?</source>
        <translation>把 %2起一周的 %1 个班次及值班人员复制到 %3起的一周？</translation>
    </message>
</context>
<context>
    <name>RosterPanel</name>
    <message>
        <source>%1 short by %2</source>
        <translation>%1缺%2人</translation>
    </message>
    <message>
        <source>%1 missing: %2</source>
        <translation>缺%1 %2人</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1 %2 is on two shifts at once (%3 and %4)</source>
        <translation>%1 %2 同时排在两个班次(%3、%4)</translation>
    </message>
    <message>
        <source>%1 %2 rests only %3 h between %4 and %5</source>
        <translation>%1 %2 在 %4 与 %5 之间仅休息 %3 小时</translation>
    </message>
    <message>
        <source>%1 below minimum staffing</source>
        <translation>%1 值班人员不足</translation>
    </message>
    <message>
        <source>%1 nobody on duty</source>
        <translation>%1 无人值班</translation>
    </message>
    <message>
        <source>Shifts, yesterday to 7 days ahead</source>
        <translation>班次(昨日至未来7天)</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>值班表</translation>
    </message>
    <message>
        <source>Coming shifts</source>
        <translation>近期班次</translation>
    </message>
    <message>
        <source>Checks</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>No problems in the next 7 days.</source>
        <translation>未来 7 天没有发现问题。</translation>
    </message>
    <message>
        <source>Checks (%1)</source>
        <translation>检查 (%1)</translation>
    </message>
    <message>
        <source>Starts</source>
        <translation>接班时间</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>交班时间</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>Leader on duty</source>
        <translation>带班领导</translation>
    </message>
    <message>
        <source>Duty officers</source>
        <translation>值班员</translation>
    </message>
    <message>
        <source>Staffing</source>
        <translation>人员配置</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>齐全</translation>
    </message>
</context>
<context>
    <name>RosterSettingsDialog</name>
    <message>
        <source>Duty settings</source>
        <translation>值班设置</translation>
    </message>
    <message>
        <source>One 24-hour shift</source>
        <translation>24 小时一班</translation>
    </message>
    <message>
        <source>Day shift and night shift</source>
        <translation>白班和夜班</translation>
    </message>
    <message>
        <source> h</source>
        <translation> 小时</translation>
    </message>
    <message>
        <source>Shift pattern</source>
        <translation>班次模式</translation>
    </message>
    <message>
        <source>Handover time</source>
        <translation>交接班时间</translation>
    </message>
    <message>
        <source>Day shift length</source>
        <translation>白班时长</translation>
    </message>
    <message>
        <source>Leaders on duty, at least</source>
        <translation>带班领导至少</translation>
    </message>
    <message>
        <source>Duty officers, at least</source>
        <translation>值班员至少</translation>
    </message>
    <message>
        <source>These rules apply to every seat of the command center.</source>
        <translation>这些规则对指挥中心所有席位生效。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Another seat changed the duty settings meanwhile. Their values are shown now; change them again if needed and save.</source>
        <translation>其他席位刚刚修改了值班设置,现已显示其设置;如需调整请修改后再保存。</translation>
    </message>
    <message>
        <source>Not saved: a shift needs at least one person on duty.</source>
        <translation>未保存:每个班次至少需要一人值班。</translation>
    </message>
</context>
<context>
    <name>ShelterDialog</name>
    <message>
        <source>Shelter: %1</source>
        <translation>避难场所:%1</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>开放</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>容纳人数</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>管理人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Facilities</source>
        <translation>设施</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cannot be less than the people now inside (%1).</source>
        <translation>不能少于当前在住人数(%1 人)。</translation>
    </message>
    <message>
        <source>At most %1 characters.</source>
        <translation>最多 %1 个字符。</translation>
    </message>
    <message>
        <source>Not allowed by the rules: %1</source>
        <translation>不符合规则:%1</translation>
    </message>
    <message>
        <source>Not saved: please correct the fields marked in red.</source>
        <translation>未保存:请更正红色标出的项目。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存:%1</translation>
    </message>
    <message>
        <source>Not saved: this shelter was deleted by someone else.</source>
        <translation>未保存:该避难场所已被他人删除。</translation>
    </message>
    <message>
        <source>Not saved: %1 changed this shelter at %2 (%3).</source>
        <translation>未保存:%1 已于 %2 修改了该避难场所(%3)。</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>他人</translation>
    </message>
    <message>
        <source>no visible field</source>
        <translation>无可见字段变化</translation>
    </message>
    <message>
        <source>Check the values below and save again to apply yours.</source>
        <translation>请核对下方数值,再次保存将以您的数值为准。</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>capacity</source>
        <translation>容纳人数</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>管理人</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>facilities</source>
        <translation>设施</translation>
    </message>
    <message>
        <source>open</source>
        <translation>开放</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>资料</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>People and AB posts</source>
        <translation>人员与AB岗</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>AB posts</source>
        <translation>AB岗</translation>
    </message>
    <message>
        <source>Filter by name, unit, phone, role or place</source>
        <translation>按姓名、单位、电话、角色或地点筛选</translation>
    </message>
    <message>
        <source>Show people who left</source>
        <translation>显示已停用人员</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Township / village</source>
        <translation>乡镇 / 村</translation>
    </message>
    <message>
        <source>Post</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Name of the new role</source>
        <translation>新角色名称</translation>
    </message>
    <message>
        <source>Post %1</source>
        <translation>%1岗</translation>
    </message>
    <message>
        <source>Active (still with the office)</source>
        <translation>在岗（未停用）</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Village / community</source>
        <translation>村 / 社区</translation>
    </message>
    <message>
        <source>AB post</source>
        <translation>AB岗</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Post A</source>
        <translation>A岗</translation>
    </message>
    <message>
        <source>Post B</source>
        <translation>B岗</translation>
    </message>
    <message>
        <source>Double-click a post to choose its holder.</source>
        <translation>双击岗位可选择在岗人员。</translation>
    </message>
    <message>
        <source>Could not load the people: %1</source>
        <translation>无法加载人员：%1</translation>
    </message>
    <message>
        <source>Other (custom)…</source>
        <translation>其他(自定义)…</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>在岗</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>(vacant)</source>
        <translation>(空缺)</translation>
    </message>
    <message>
        <source>Post missing</source>
        <translation>缺岗</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>齐全</translation>
    </message>
    <message>
        <source>%1 villages and communities, %2 with a post missing.</source>
        <translation>共 %1 个村（社区），其中 %2 个缺岗。</translation>
    </message>
    <message>
        <source>New person</source>
        <translation>新增人员</translation>
    </message>
    <message>
        <source>Editing: %1</source>
        <translation>编辑：%1</translation>
    </message>
    <message>
        <source>Not saved: check the marked fields.</source>
        <translation>未保存：请检查标红的项目。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>Enter the name.</source>
        <translation>请填写姓名。</translation>
    </message>
    <message>
        <source>At most %1 characters.</source>
        <translation>最多 %1 个字符。</translation>
    </message>
    <message>
        <source>Choose a role, or type the name of a new one.</source>
        <translation>请选择角色，或填写新角色名称。</translation>
    </message>
    <message>
        <source>A new role&apos;s name has at most %1 characters.</source>
        <translation>新角色名称最多 %1 个字符。</translation>
    </message>
    <message>
        <source>An information officer needs a village.</source>
        <translation>灾害信息员须指定所在村（社区）。</translation>
    </message>
    <message>
        <source>This village no longer exists.</source>
        <translation>该村（社区）已不存在。</translation>
    </message>
    <message>
        <source>The village is not in the chosen township.</source>
        <translation>该村（社区）不属于所选乡镇。</translation>
    </message>
    <message>
        <source>This township no longer exists.</source>
        <translation>该乡镇已不存在。</translation>
    </message>
    <message>
        <source>An information officer needs post A or B.</source>
        <translation>灾害信息员须选择A岗或B岗。</translation>
    </message>
    <message>
        <source>This post is already held by %1.</source>
        <translation>该岗位已由%1担任。</translation>
    </message>
    <message>
        <source>Not saved: this person was removed by someone else.</source>
        <translation>未保存：此人员已被他人删除。</translation>
    </message>
    <message>
        <source>Not saved: %1 changed this person at %2 (%3).</source>
        <translation>未保存：%1 于 %2 修改了此人员（%3）。</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>他人</translation>
    </message>
    <message>
        <source>no visible field</source>
        <translation>无可见字段变化</translation>
    </message>
    <message>
        <source>Check the values below and save again to apply yours.</source>
        <translation>请核对下方内容，再次保存将以您的内容为准。</translation>
    </message>
    <message>
        <source>name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>post</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>active</source>
        <translation>在岗</translation>
    </message>
    <message>
        <source>left</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Choose the holder</source>
        <translation>选择在岗人员</translation>
    </message>
    <message>
        <source>%1 %2, post %3:</source>
        <translation>%1 %2，%3岗：</translation>
    </message>
    <message>
        <source>%1 is not an information officer.</source>
        <translation>%1 不是灾害信息员。</translation>
    </message>
    <message>
        <source>%1 belongs to another township.</source>
        <translation>%1 属于其他乡镇。</translation>
    </message>
    <message>
        <source>%1 has left.</source>
        <translation>%1 已停用。</translation>
    </message>
    <message>
        <source>Account and roles</source>
        <translation>账号与角色</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>资料</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>Database password</source>
        <translation>数据库密码</translation>
    </message>
    <message>
        <source>Password for %1 (not stored):</source>
        <translation>%1 的密码(不会保存):</translation>
    </message>
    <message>
        <source>Cannot start</source>
        <translation>无法启动</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Cannot write the picture %1</source>
        <translation>无法保存图片 %1</translation>
    </message>
    <message>
        <source>The panels did not finish loading within %1 seconds.</source>
        <translation>各面板未能在 %1 秒内完成加载。</translation>
    </message>
</context>
<context>
    <name>StatsDialog</name>
    <message>
        <source>Natural disaster statistics</source>
        <translation>自然灾害情况统计</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Group by</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>事件数</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接报时间</translation>
    </message>
    <message>
        <source>Assistance delivered</source>
        <translation>救助到位时间</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>用时(小时)</translation>
    </message>
    <message>
        <source>Target 10 h</source>
        <translation>10小时目标</translation>
    </message>
    <message>
        <source>Time from report to basic living assistance (target: 10 hours)</source>
        <translation>从接报到基本生活救助到位的时间(目标：10小时内)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Statistics unavailable: %1</source>
        <translation>统计数据不可用：%1</translation>
    </message>
    <message>
        <source>(not known)</source>
        <translation>(未知)</translation>
    </message>
    <message>
        <source>%1 natural disasters (drills left out)</source>
        <translation>自然灾害 %1 起(不含演练)</translation>
    </message>
    <message>
        <source>Include demo data</source>
        <translation>包含演示数据</translation>
    </message>
    <message>
        <source>%1 natural disasters (drills left out, demo data included)</source>
        <translation>自然灾害 %1 起(不含演练，含演示数据)</translation>
    </message>
    <message>
        <source>met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>missed</source>
        <translation>未达标</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>尚未到位</translation>
    </message>
</context>
<context>
    <name>StatsUpdateDialog</name>
    <message>
        <source>Update disaster statistics</source>
        <translation>统计更新</translation>
    </message>
    <message>
        <source>Basic living assistance delivered</source>
        <translation>基本生活救助已到位</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>Not saved: please correct the figures marked in red.</source>
        <translation>未保存:请更正红色标出的数据。</translation>
    </message>
</context>
<context>
    <name>SwapDialog</name>
    <message>
        <source>Swap duty</source>
        <translation>换班</translation>
    </message>
    <message>
        <source>Shift:</source>
        <translation>班次:</translation>
    </message>
    <message>
        <source>Handing over:</source>
        <translation>换出人员:</translation>
    </message>
    <message>
        <source>Taken over by:</source>
        <translation>替班人员:</translation>
    </message>
    <message>
        <source>required, e.g. the leader on duty</source>
        <translation>必填,例如带班领导</translation>
    </message>
    <message>
        <source>Agreed by:</source>
        <translation>同意人:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因:</translation>
    </message>
</context>
<context>
    <name>TileSource</name>
    <message>
        <source>The map file %1 does not exist.</source>
        <translation>底图文件 %1 不存在。</translation>
    </message>
    <message>
        <source>The map file %1 cannot be opened. Check the file&apos;s permissions, or close the program that is writing it.</source>
        <translation>无法打开底图文件 %1。请检查文件权限,或关闭正在写入该文件的程序。</translation>
    </message>
    <message>
        <source>%1 is not an MBTiles map file.</source>
        <translation>%1 不是 MBTiles 底图文件。</translation>
    </message>
    <message>
        <source>The map file %1 is damaged or incomplete. Copy it again from its source.</source>
        <translation>底图文件 %1 已损坏或不完整,请从原始来源重新复制。</translation>
    </message>
    <message>
        <source>The map file %1 contains no tiles.</source>
        <translation>底图文件 %1 中没有地图瓦片。</translation>
    </message>
    <message>
        <source>The map file %1 holds vector tiles or an image format that cannot be shown. Use a raster MBTiles file (PNG, JPEG or WebP).</source>
        <translation>底图文件 %1 为矢量瓦片或无法显示的图片格式,请使用栅格 MBTiles 文件(PNG、JPEG 或 WebP)。</translation>
    </message>
</context>
<context>
    <name>documents</name>
    <message>
        <source>Export XLSX</source>
        <translation>导出XLSX</translation>
    </message>
    <message>
        <source>Export PDF</source>
        <translation>导出PDF</translation>
    </message>
</context>
<context>
    <name>OverdueIndicator</name>
    <message>
        <source>Overdue rectifications %1</source>
        <translation>整改逾期 %1</translation>
    </message>
    <message>
        <source>Hazard rectifications past their deadline: click to list them.</source>
        <translation>风险源整改已过期限：点击查看清单。</translation>
    </message>
    <message>
        <source>No hazard rectification is past its deadline.</source>
        <translation>没有逾期未整改的风险源。</translation>
    </message>
    <message>
        <source>Click to list them and select an incident</source>
        <translation>点击列出超时报告并选中事件</translation>
    </message>
    <message>
        <source>Drills overdue %1</source>
        <translation>演练超时 %1</translation>
    </message>
    <message>
        <source>Overdue reports %1</source>
        <translation>超时未报 %1</translation>
    </message>
    <message>
        <source>due %1</source>
        <translation>应于 %1 报送</translation>
    </message>
</context>
<context>
    <name>RemoveDemoAction</name>
    <message>
        <source>Remove demo data…</source>
        <translation>删除演示数据…</translation>
    </message>
    <message>
        <source>Remove demo data</source>
        <translation>删除演示数据</translation>
    </message>
    <message>
        <source>Remove every demo row (invented places, people, shifts, incidents and their logs) from %1? Real records are kept. Every seat sees the change. This cannot be undone.</source>
        <translation>确定从 %1 删除全部演示数据（虚构的地点、人员、班次、事件及其记录）？真实记录将保留。所有席位都会看到此变更。此操作不能撤销。</translation>
    </message>
    <message>
        <source>Demo data removed: %1 rows.</source>
        <translation>已删除演示数据：%1 行。</translation>
    </message>
    <message>
        <source>%1 “%2” needs the demo %3 “%4”</source>
        <translation>%1“%2”依赖演示%3“%4”</translation>
    </message>
    <message>
        <source>Nothing was removed: real records need demo records.</source>
        <translation>未删除任何内容：以下真实记录依赖演示数据。</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>%1 must set a new password before going on (a new account, or the password was reset).</source>
        <translation>%1需先设置新密码才能继续（新账号，或密码已被重置）。</translation>
    </message>
    <message>
        <source>At least %1 characters, of at least two kinds: letters, digits, symbols.</source>
        <translation>至少 %1 位，包含字母、数字、符号中的至少两种。</translation>
    </message>
    <message>
        <source>Current password:</source>
        <translation>原密码：</translation>
    </message>
    <message>
        <source>New password:</source>
        <translation>新密码：</translation>
    </message>
    <message>
        <source>New password again:</source>
        <translation>再次输入新密码：</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The new password must differ from the current one.</source>
        <translation>新密码不能与原密码相同。</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>FirstStartDialog</name>
    <message>
        <source>First start</source>
        <translation>首次启动</translation>
    </message>
    <message>
        <source>An administrator account has been created</source>
        <translation>已创建系统管理员账号</translation>
    </message>
    <message>
        <source>Sign in as %1 with this one-time password:</source>
        <translation>请以“%1”身份，用下面的一次性密码登录：</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>This password is shown only this once and will not be shown again. Note it down now: it must be changed at the first sign-in.</source>
        <translation>此密码只显示这一次，之后不会再显示。请现在记下；首次登录时必须修改。</translation>
    </message>
    <message>
        <source>I have noted it: sign in</source>
        <translation>已记下，去登录</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>IdleLockSettingsAction</name>
    <message>
        <source>Automatic seat lock…</source>
        <translation>自动锁定席位…</translation>
    </message>
</context>
<context>
    <name>IdleLockSettingsDialog</name>
    <message>
        <source>Automatic seat lock</source>
        <translation>自动锁定席位</translation>
    </message>
    <message>
        <source>minutes without keyboard or mouse input</source>
        <translation>分钟无键盘、鼠标操作后锁定</translation>
    </message>
    <message>
        <source>The seat locks itself after this time; the person signed in opens it with their PIN or password. 0: never. This setting is for this computer only.</source>
        <translation>超过此时间无操作，席位自动锁定，由登录人员输入 PIN 或密码解锁。0 表示从不自动锁定。此设置仅对本机有效。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Seat locked</source>
        <translation>席位已锁定</translation>
    </message>
    <message>
        <source>This seat is locked</source>
        <translation>席位已锁定</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN 或密码</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Switch person…</source>
        <translation>切换人员…</translation>
    </message>
    <message>
        <source>Open windows and forms are kept as they were; nothing has been closed.</source>
        <translation>已打开的窗口和表单保持原样，没有关闭任何内容。</translation>
    </message>
    <message>
        <source>Locked at %1</source>
        <translation>锁定于 %1</translation>
    </message>
    <message>
        <source>%1, enter your PIN or password:</source>
        <translation>%1，请输入 PIN 或密码解锁：</translation>
    </message>
    <message>
        <source>Enter your PIN or password.</source>
        <translation>请输入 PIN 或密码。</translation>
    </message>
</context>
<context>
    <name>LockSeatAction</name>
    <message>
        <source>Lock the seat</source>
        <translation>锁定席位</translation>
    </message>
</context>
<context>
    <name>OperatorLabel</name>
    <message>
        <source>User: %1</source>
        <translation>当前用户:%1</translation>
    </message>
    <message>
        <source>Site: %1</source>
        <translation>席位：%1</translation>
    </message>
</context>
<context>
    <name>PersonPicker</name>
    <message>
        <source>Type to filter by name</source>
        <translation>输入姓名筛选</translation>
    </message>
    <message>
        <source>Reading the people…</source>
        <translation>正在读取人员…</translation>
    </message>
    <message>
        <source>leader on duty</source>
        <translation>当班带班领导</translation>
    </message>
    <message>
        <source>officer on duty</source>
        <translation>当班值班员</translation>
    </message>
    <message>
        <source>demo</source>
        <translation>演示</translation>
    </message>
    <message>
        <source>signed in here now</source>
        <translation>当前登录</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in · Xiao County Emergency Command Center</source>
        <translation>登录 · 萧县应急指挥中心</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Every record is signed by the person signed in here.</source>
        <translation>每条记录都以在此登录的人员署名。</translation>
    </message>
    <message>
        <source>Seat: %1</source>
        <translation>席位：%1</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>SignInForm</name>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>PIN or password</source>
        <translation>PIN 或密码</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>PIN or &amp;password:</source>
        <translation>PIN 或密码(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Who is at this seat:</source>
        <translation>谁在值班席位(&amp;W)：</translation>
    </message>
    <message>
        <source>Choose who is at this seat.</source>
        <translation>请选择在席人员。</translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>The password was not changed, so %1 is not signed in.</source>
        <translation>密码未修改，%1 未登录。</translation>
    </message>
</context>
<context>
    <name>SwitchOperatorAction</name>
    <message>
        <source>Switch the person on duty…</source>
        <translation>切换值班人员…</translation>
    </message>
</context>
<context>
    <name>SwitchOperatorDialog</name>
    <message>
        <source>Switch the person on duty</source>
        <translation>切换值班人员</translation>
    </message>
    <message>
        <source>Open forms stay open; whatever is saved from now on is signed by the new person.</source>
        <translation>已打开的表单保持打开；此后保存的内容均由新值班人员署名。</translation>
    </message>
    <message>
        <source>Switch</source>
        <translation>切换</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>AccountPanel</name>
    <message>
        <source>%1 has an account.</source>
        <translation>%1 已开通账号。</translation>
    </message>
    <message>
        <source>%1 has no account yet: set a first password to open one.</source>
        <translation>%1 尚未开通账号：设置初始密码即可开通。</translation>
    </message>
    <message>
        <source>4 to 8 digits</source>
        <translation>4 至 8 位数字</translation>
    </message>
    <message>
        <source>Change my password</source>
        <translation>修改我的密码</translation>
    </message>
    <message>
        <source>Choose a person in the list.</source>
        <translation>请在左侧列表中选择人员。</translation>
    </message>
    <message>
        <source>Clear PIN</source>
        <translation>清除 PIN</translation>
    </message>
    <message>
        <source>Could not read the account: %1</source>
        <translation>无法读取账号：%1</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>原密码</translation>
    </message>
    <message>
        <source>Enter the PIN.</source>
        <translation>请输入 PIN。</translation>
    </message>
    <message>
        <source>Enter the new password.</source>
        <translation>请输入新密码。</translation>
    </message>
    <message>
        <source>Enter your current password.</source>
        <translation>请输入原密码。</translation>
    </message>
    <message>
        <source>First password of %1 set; they must change it when they first sign in.</source>
        <translation>已为 %1 设置初始密码，其首次登录时须修改。</translation>
    </message>
    <message>
        <source>Grant history</source>
        <translation>授予记录</translation>
    </message>
    <message>
        <source>Granted at</source>
        <translation>授予时间</translation>
    </message>
    <message>
        <source>Granted by</source>
        <translation>授予人</translation>
    </message>
    <message>
        <source>Must change the password at the next sign-in.</source>
        <translation>下次登录时须修改密码。</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>新 PIN</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>No PIN.</source>
        <translation>未设置 PIN。</translation>
    </message>
    <message>
        <source>No role was ticked or unticked.</source>
        <translation>角色没有变化：请勾选或取消勾选角色。</translation>
    </message>
    <message>
        <source>No role: cannot sign in.</source>
        <translation>没有任何角色，无法登录。</translation>
    </message>
    <message>
        <source>PIN (for switching at a shared console)</source>
        <translation>PIN（共用席位切换值班人员时使用）</translation>
    </message>
    <message>
        <source>PIN of %1 cleared.</source>
        <translation>已清除 %1 的 PIN。</translation>
    </message>
    <message>
        <source>PIN of %1 set.</source>
        <translation>已设置 %1 的 PIN。</translation>
    </message>
    <message>
        <source>PIN set.</source>
        <translation>已设置 PIN。</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Reason for revoking</source>
        <translation>撤销理由</translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <source>Revoked at</source>
        <translation>撤销时间</translation>
    </message>
    <message>
        <source>Revoked by</source>
        <translation>撤销人</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Save role changes</source>
        <translation>保存角色变更</translation>
    </message>
    <message>
        <source>Say why: a role is granted or revoked with a reason.</source>
        <translation>请填写理由：授予或撤销角色须说明理由。</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>设置 PIN</translation>
    </message>
    <message>
        <source>Set first password</source>
        <translation>设置初始密码</translation>
    </message>
    <message>
        <source>The person must change this password when they first sign in with it.</source>
        <translation>此人首次用该密码登录时须修改密码。</translation>
    </message>
    <message>
        <source>The roles of %1 were saved.</source>
        <translation>已保存 %1 的角色。</translation>
    </message>
    <message>
        <source>The two entries differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Why the role is granted or revoked (required)</source>
        <translation>授予或撤销角色的理由（必填）</translation>
    </message>
    <message>
        <source>Your own password: enter the current one first.</source>
        <translation>修改本人密码：请先输入原密码。</translation>
    </message>
    <message>
        <source>Your password was changed.</source>
        <translation>您的密码已修改。</translation>
    </message>
</context>
<context>
    <name>AuditLogAction</name>
    <message>
        <source>Audit log…</source>
        <translation>审计日志…</translation>
    </message>
    <message>
        <source>Only a system administrator or a commander may read the audit log (signed in: %1).</source>
        <translation>只有系统管理员或指挥长可以查看审计日志（当前登录：%1）。</translation>
    </message>
    <message>
        <source>Who recorded, reported and decided what, and when.</source>
        <translation>谁在何时登记、上报、决定了什么。</translation>
    </message>
</context>
<context>
    <name>AuditWindow</name>
    <message>
        <source>%1 entries match.</source>
        <translation>共 %1 条符合条件的记录。</translation>
    </message>
    <message>
        <source>%1 entries verified; the audit chain is intact.</source>
        <translation>已校验 %1 条，审计链完整。</translation>
    </message>
    <message>
        <source>(person %1)</source>
        <translation>（人员编号 %1）</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Audit log %1 to %2</source>
        <translation>审计日志（%1 至 %2）</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Check every entry of the log against the one before it: an entry altered, removed or reordered outside the program is found.</source>
        <translation>逐条核对每条记录与前一条的哈希：在程序之外被修改、删除或调换的记录都会被发现。</translation>
    </message>
    <message>
        <source>Could not read the audit log: %1</source>
        <translation>无法读取审计日志：%1</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Entry %1 has been altered (No. %2): it, or the one before it, was changed, removed or reordered outside the program.</source>
        <translation>第 %1 条记录被改动（序号 %2）：该记录或其前一条已在程序之外被修改、删除或调换。</translation>
    </message>
    <message>
        <source>Every action</source>
        <translation>全部操作</translation>
    </message>
    <message>
        <source>Every kind</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>全部人员</translation>
    </message>
    <message>
        <source>Export XLSX…</source>
        <translation>导出 XLSX…</translation>
    </message>
    <message>
        <source>Exported: %1</source>
        <translation>已导出：%1</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>Kind of record</source>
        <translation>记录类型</translation>
    </message>
    <message>
        <source>Last good hash: %1</source>
        <translation>最后一条完好记录的哈希：%1</translation>
    </message>
    <message>
        <source>No entry matches the filters.</source>
        <translation>没有符合筛选条件的记录。</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录类型</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Seat</source>
        <translation>席位</translation>
    </message>
    <message>
        <source>Select an entry to read it in full.</source>
        <translation>选择一条记录查看其全部内容。</translation>
    </message>
    <message>
        <source>The newest %1 entries are listed; more match. Narrow the dates or the filters to see the others.</source>
        <translation>只列出最新的 %1 条，另有更多符合条件的记录。请缩小日期范围或筛选条件查看其余记录。</translation>
    </message>
    <message>
        <source>The start date is after the end date.</source>
        <translation>起始日期晚于截止日期。</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Verify the audit chain</source>
        <translation>校验审计链</translation>
    </message>
    <message>
        <source>Verifying the audit chain…</source>
        <translation>正在校验审计链…</translation>
    </message>
    <message>
        <source>Refresh (%1 new)</source>
        <translation>刷新（%1 条新记录）</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <source>%1 entries, newest first.</source>
        <translation>共 %1 条记录，最新的在前。</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>内容（修改前 → 修改后）</translation>
    </message>
    <message>
        <source>Could not read the history: %1</source>
        <translation>无法读取历史：%1</translation>
    </message>
    <message>
        <source>No change of this record has been recorded.</source>
        <translation>此记录没有任何变更记录。</translation>
    </message>
    <message>
        <source>No record chosen.</source>
        <translation>未选择记录。</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>Reading the history…</source>
        <translation>正在读取历史…</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Seat</source>
        <translation>席位</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Who, when, where</source>
        <translation>时间 / 人员 / 席位 / 操作</translation>
    </message>
</context>
<context>
    <name>DispatchDialog</name>
    <message>
        <source>Dispatch a rescue team</source>
        <translation>调派救援队伍</translation>
    </message>
    <message>
        <source>Any specialty</source>
        <translation>全部专业</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>队伍</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Specialties</source>
        <translation>专业能力</translation>
    </message>
    <message>
        <source>Available / members</source>
        <translation>可出动 / 在编</translation>
    </message>
    <message>
        <source>Distance (km)</source>
        <translation>距离（公里）</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Optional, e.g. equipment taken, who leads</source>
        <translation>选填，如携带装备、带队人</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Specialty</source>
        <translation>专业能力</translation>
    </message>
    <message>
        <source>Members going</source>
        <translation>出动人数</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>调派</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Teams that can leave now, nearest first</source>
        <translation>可立即出动的队伍（由近及远）</translation>
    </message>
    <message>
        <source>No team on standby can leave now.</source>
        <translation>当前没有待命的队伍可以出动。</translation>
    </message>
    <message>
        <source>There is no open incident to send a team to.</source>
        <translation>当前没有未结束的事件可调派队伍。</translation>
    </message>
    <message>
        <source>At least one member goes.</source>
        <translation>出动人数至少为 1 人。</translation>
    </message>
    <message>
        <source>Only %1 members are available.</source>
        <translation>可出动人数只有 %1 人。</translation>
    </message>
    <message>
        <source>Not dispatched: %1</source>
        <translation>未调派：%1</translation>
    </message>
</context>
<context>
    <name>EvacuationDialog</name>
    <message>
        <source>Evacuation</source>
        <translation>转移安置</translation>
    </message>
    <message>
        <source>e.g. 800</source>
        <translation>如 800</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Propose</source>
        <translation>生成方案</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>within (km)</source>
        <translation>距离上限（公里）</translation>
    </message>
    <message>
        <source>People to move</source>
        <translation>转移人数</translation>
    </message>
    <message>
        <source>Shelter</source>
        <translation>避难场所</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Distance (km)</source>
        <translation>距离（公里）</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>剩余空位</translation>
    </message>
    <message>
        <source>People placed</source>
        <translation>安置人数</translation>
    </message>
    <message>
        <source>Room after</source>
        <translation>安置后剩余</translation>
    </message>
    <message>
        <source>Optional, e.g. which villages</source>
        <translation>选填，如转移自哪些村</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Record evacuation</source>
        <translation>登记转移</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Enter the number of people to move (a whole number above 0).</source>
        <translation>请输入转移人数（大于 0 的整数）。</translation>
    </message>
    <message>
        <source>Choose an open incident.</source>
        <translation>请选择一个未结束的事件。</translation>
    </message>
    <message>
        <source>At most %1 (the room left)</source>
        <translation>最多 %1 人（剩余空位）</translation>
    </message>
    <message>
        <source>Enter the people to move and choose “Propose”.</source>
        <translation>请输入转移人数，然后点击“生成方案”。</translation>
    </message>
    <message>
        <source>%1 people: %2 placed in %3 shelters, nearest first.</source>
        <translation>共 %1 人：已安排 %2 人，分到 %3 处避难场所（由近及远）。</translation>
    </message>
    <message>
        <source>No open shelter has room: %1 people have no place.</source>
        <translation>没有开放且有空位的避难场所：%1 人无处安置。</translation>
    </message>
    <message>
        <source>Not enough room: %1 people have no place in the open shelters (open another shelter or widen the distance).</source>
        <translation>空位不足：尚有 %1 人在开放的避难场所中无处安置（请启用其他避难场所或放宽距离上限）。</translation>
    </message>
    <message>
        <source>%1 people are not placed in this plan.</source>
        <translation>本方案中尚有 %1 人未安排。</translation>
    </message>
</context>
<context>
    <name>IncidentChooser</name>
    <message>
        <source> (drill)</source>
        <translation>（演练）</translation>
    </message>
    <message>
        <source> (no position)</source>
        <translation>（无位置）</translation>
    </message>
</context>
<context>
    <name>OverdueRectificationsDialog</name>
    <message>
        <source>Overdue rectifications</source>
        <translation>整改逾期</translation>
    </message>
    <message>
        <source>Hazard site</source>
        <translation>风险源</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风险等级</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>整改期限</translation>
    </message>
    <message>
        <source>Days overdue</source>
        <translation>逾期天数</translation>
    </message>
    <message>
        <source>Rectification</source>
        <translation>整改状态</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Responsible unit</source>
        <translation>责任单位</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>%1 rectifications past their deadline (today %2, China time).</source>
        <translation>%1 处风险源整改已逾期（今天 %2，北京时间）。</translation>
    </message>
</context>
<context>
    <name>ProximityDialog</name>
    <message>
        <source>Within a distance</source>
        <translation>周边查询</translation>
    </message>
    <message>
        <source>Hazard sites</source>
        <translation>风险源</translation>
    </message>
    <message>
        <source>Shelters</source>
        <translation>避难场所</translation>
    </message>
    <message>
        <source>Supply depots</source>
        <translation>储备库</translation>
    </message>
    <message>
        <source>Rescue teams</source>
        <translation>救援队伍</translation>
    </message>
    <message>
        <source>Incidents</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>All types</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Point (lon, lat)</source>
        <translation>位置（经度、纬度）</translation>
    </message>
    <message>
        <source>longitude, e.g. 116.95</source>
        <translation>经度，如 116.95</translation>
    </message>
    <message>
        <source>latitude, e.g. 34.19</source>
        <translation>纬度，如 34.19</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>Centre</source>
        <translation>中心</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Hazard type</source>
        <translation>风险源类型</translation>
    </message>
    <message>
        <source>Radius (km)</source>
        <translation>半径（公里）</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <source>Distance (km)</source>
        <translation>距离（公里）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Choose an open incident, or type a point.</source>
        <translation>请选择一个未结束的事件，或输入一个位置。</translation>
    </message>
    <message>
        <source>Type the point as longitude and latitude in degrees, e.g. 116.95 and 34.19.</source>
        <translation>请以度为单位输入经度和纬度，如 116.95 和 34.19。</translation>
    </message>
    <message>
        <source>The radius must be above 0 and at most 100 km.</source>
        <translation>半径须大于 0 且不超过 100 公里。</translation>
    </message>
    <message>
        <source>%1 within %2 km, nearest first.</source>
        <translation>%2 公里内共 %1 处，由近及远。</translation>
    </message>
</context>
<context>
    <name>TeamStatusDialog</name>
    <message>
        <source>Team status: %1</source>
        <translation>队伍状态：%1</translation>
    </message>
    <message>
        <source>Optional, e.g. what the team found</source>
        <translation>选填，如现场情况</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>Change to</source>
        <translation>改为</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source> · incident: %1</source>
        <translation> · 事件：%1</translation>
    </message>
    <message>
        <source> · since %1</source>
        <translation> · 自 %1 起</translation>
    </message>
    <message>
        <source> · retired</source>
        <translation> · 已停用</translation>
    </message>
    <message>
        <source>(no change possible here)</source>
        <translation>（当前状态无法更改）</translation>
    </message>
</context>
</TS>
