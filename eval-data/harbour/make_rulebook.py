"""Writes documents/harbourmasters-rules.pdf (fpdf2, a dev dependency): an invented board game's
rulebook as a PDF (headings in larger bold type, no outline, a components list, a selling table
as lines), beside its publisher's FAQ and variants (plain text and Markdown, written by hand).
Written for Crossroads (CC0).

    python eval-data/harbour/make_rulebook.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
import headed_pdf  # noqa: E402 - eval-data/headed_pdf.py, shared with the robot mower's manual

HERE = Path(__file__).parent / "documents"

# "#" the title, "##" a section heading, anything else a paragraph.
RULES = """\
#Harbourmasters - Rules of Play
A trading game for 2 to 4 players aged 10 and up. A game takes about 45 minutes.
##Goal of the game
You are a harbourmaster trading cargo between the ports of the bay. Sell cargo for coins and build warehouses. The player with the most points at the end of the game wins.
##Components
1 game board showing the bay and its 6 ports, 60 cargo cards (15 each of grain, wool, spice and timber), 12 storm cards, 4 ships, 40 coins, 20 warehouse tiles (5 in each player colour), 1 start player marker and this rulebook.
##Setup
Place the board in the middle of the table. Each player chooses a colour and takes the ship and the 5 warehouse tiles of that colour, and 5 coins. Put every ship in the port of Saltmarsh. Shuffle the storm cards into the cargo cards to form the draw deck. Deal 4 cargo cards to each player; if you are dealt a storm card, put it back and draw again. Turn 5 cards of the deck face up beside the board: this is the market. The youngest player takes the start player marker and begins.
##Playing a turn
On your turn you take two actions. You may choose the same action twice, except Build. The actions are Sail, Load, Sell and Build.
Sail: move your ship up to 3 spaces along the sea lanes. Ships may share a port or a sea space.
Load: take one card from the market whose cargo matches the port your ship is in. Each port shows the cargo it trades.
Sell: sell a set of cards of the same cargo at the port your ship is in and take coins from the bank.
Build: pay 8 coins to place one of your warehouse tiles on the port your ship is in. Each port holds at most 2 warehouses.
At the end of your turn, refill the market to 5 cards from the deck.
##Selling cargo
A set of 2 cards sells for 3 coins, a set of 3 cards for 6 coins and a set of 4 cards for 10 coins. You may sell at most 4 cards in one Sell action. Spice sells for 1 extra coin per set.
##Hand limit
You may hold at most 7 cargo cards at the end of your turn. Discard down to 7 before the next player begins.
##Storms
When a storm card is turned up while refilling the market, a storm strikes the bay: every ship at sea moves back to the nearest port, and each player holding more than 5 cargo cards discards 2 of them. Then put the storm card out of the game and keep refilling the market.
##End of the game
The game ends when the draw deck runs out or when a player builds their fifth warehouse. Finish the round so that every player has had the same number of turns.
##Scoring
Each warehouse is worth 5 points. Each warehouse in a port where you have both warehouses is worth 2 more points. Every 3 coins left are worth 1 point. The player with the most points wins. In a tie, the tied player with the most cargo cards in hand wins; if still tied, they share the victory.
"""


if __name__ == "__main__":
    headed_pdf.write(RULES, HERE / "harbourmasters-rules.pdf")
