"""全川行 diagnoses and 一对一技改方案: a 服务专员 plans a visit to an enterprise of its region, records
visits and findings, drafts a plan of recommended items and delivers it; the enterprise accepts each
item (into a draft demand, linked back by `plan_item_id`) or declines it."""
