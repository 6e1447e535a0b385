"""Pages of participation: public (process list and page), ideas, comments, engage
(statistics, following), data (map and open data), moderation and the staff area."""
