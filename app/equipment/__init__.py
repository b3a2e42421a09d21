"""An enterprise's 设备台账: its equipment, the plan's priority rules run on each item, and `.xlsx` import."""
