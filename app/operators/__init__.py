"""The plan's service network (分级设立服务专员): `gov` organizations, their members' operator level and
region, and the 试点县 operators mark."""
