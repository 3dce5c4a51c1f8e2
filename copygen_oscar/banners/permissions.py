"""Rights of banner campaigns (Django's model permissions); every action also needs ``is_staff``, as elsewhere."""

VIEW_CAMPAIGNS = "copygen.view_bannercampaign"  # campaigns, previews, downloads, counts
ADD_CAMPAIGN = "copygen.add_bannercampaign"
CHANGE_CAMPAIGN = "copygen.change_bannercampaign"  # generate, schedule, retire
REVIEW_BANNERS = "copygen.change_bannervariant"  # approve, reject, retire, edit, re-render a banner
