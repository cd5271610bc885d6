"""The card: status and holder, work permit, insurances, contributions, the identity QR code, and the sourced facts behind the card's terms."""
