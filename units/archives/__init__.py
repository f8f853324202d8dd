"""QR-code household archives (二维码档案): a QR token per household, the public page a QR
code opens, and the Word export of door-plate cards (导出二维码信息).

Lives in `units` because a card shows the household's cadre, unit and measures (units data);
units may import households, never the reverse.
"""
