"""Policies as data: 奖补 (项目法, 因素法), 贴息, 税收 and the plan's other support, with their region,
industries, task types, rate or cap, validity and source; managed by province and 市州 operators."""
