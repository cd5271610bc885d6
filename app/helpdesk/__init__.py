"""The help desk: answers to the user's WeChat messages by keyword, in their language, and the jobs that send them."""
